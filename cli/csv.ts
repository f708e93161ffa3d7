// CSV fields as RFC 4180 has them (quoted when needed), one record per line.

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

export function csvLine(fields: readonly string[]): string {
  return fields
    .map((field) => (NEEDS_QUOTES.test(field) ? `"${field.replaceAll('"', '""')}"` : field))
    .join(",");
}

export type CsvFields =
  | { readonly ok: true; readonly fields: string[] }
  | { readonly ok: false; readonly message: string };

/** Split one line into fields; records spanning lines are not supported (addresses have no newlines). */
export function parseCsvLine(line: string): CsvFields {
  const fields: string[] = [];
  let index = 0;
  for (;;) {
    if (line[index] === '"') {
      let field = "";
      index += 1;
      for (;;) {
        const quote = line.indexOf('"', index);
        if (quote === -1) return { ok: false, message: "a quoted field is not closed" };
        field += line.slice(index, quote);
        if (line[quote + 1] === '"') {
          field += '"';
          index = quote + 2;
          continue;
        }
        index = quote + 1;
        break;
      }
      fields.push(field);
      if (index === line.length) return { ok: true, fields };
      if (line[index] !== ",")
        return { ok: false, message: `unexpected text after a quoted field at column ${index + 1}` };
      index += 1;
    } else {
      const comma = line.indexOf(",", index);
      if (comma === -1) {
        fields.push(line.slice(index));
        return { ok: true, fields };
      }
      fields.push(line.slice(index, comma));
      index = comma + 1;
    }
  }
}
