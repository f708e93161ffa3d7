// The disposable-domain list as the pre-send check's bundle loads it: generated at synth from the
// installed mailchecker package, as one sorted list read from a data file instead of mailchecker's Set.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join } from "node:path";
import { sortedListHas, sortedListOf } from "../functions/core/sorted-list.ts";

/**
 * Where the generated files go, under the project root: inside node_modules (so never committed
 * and gone with a fresh install) and at a fixed place, so the bundle they end up in is the same on
 * every machine.
 */
const DISPOSABLE_DOMAINS_MODULE = "node_modules/.cache/bounce-guard/disposable-domains.mjs";
/** The list itself, beside the module: the bundle's `file` loader copies it next to the bundle. */
const DISPOSABLE_DOMAINS_LIST = "disposable-domains.list";

/**
 * mailchecker builds a Set of its 56,000-odd domains when its module is evaluated: about 70 % of the
 * pre-send check's bundle and most of its cold start. The bundle gets this module in its place
 * (esbuild's alias), which offers the one call the check makes, `blacklist().has(domain)`, over the
 * same domains kept as one sorted string. The string is a data file read when the module loads, not
 * a literal in the bundle: V8 reads a file of 870 KB in about a quarter of the time it takes to
 * compile a string literal of that size.
 */
function disposableDomainsSource(): string {
  return [
    "// Generated at synth by lib/disposable-domains.ts from the installed mailchecker package. Do not edit.",
    'import { readFileSync } from "node:fs";',
    // Bundled with esbuild's `file` loader: the path of the copy written beside the bundle.
    `import listFile from "./${DISPOSABLE_DOMAINS_LIST}";`,
    // The search itself, as compiled from functions/core/sorted-list.ts, so the module imports no
    // project file and loads the same from node_modules in every bundle.
    `const sortedListHas = ${sortedListHas.toString()};`,
    'const DOMAINS = readFileSync(new URL(listFile, import.meta.url), "utf8");',
    "const blacklist = { has: (domain) => sortedListHas(DOMAINS, domain) };",
    "export default { blacklist: () => blacklist };",
    "",
  ].join("\n");
}

const written = new Set<string>();

/** Writes `content` to `file` unless it holds it already; aside and renamed, so parallel synths never read half of it. */
function writeIfChanged(file: string, content: string): void {
  if (existsSync(file) && readFileSync(file, "utf8") === content) return;
  const aside = `${file}.${process.pid}.tmp`;
  writeFileSync(aside, content);
  renameSync(aside, file);
}

/**
 * Write the module and its list for `projectRoot` (once per process, and only when their content
 * changed) and return the path esbuild's `--alias:mailchecker=` takes: relative to the project
 * root, where the CDK runs esbuild.
 */
function writeDisposableDomainsModule(projectRoot: string): string {
  const file = join(projectRoot, DISPOSABLE_DOMAINS_MODULE);
  if (!written.has(file)) {
    const require = createRequire(join(projectRoot, "package.json"));
    const mailchecker = require("mailchecker") as { blacklist(): Set<string> };
    mkdirSync(dirname(file), { recursive: true });
    writeIfChanged(join(dirname(file), DISPOSABLE_DOMAINS_LIST), sortedListOf(mailchecker.blacklist()));
    writeIfChanged(file, disposableDomainsSource());
    written.add(file);
  }
  return `./${DISPOSABLE_DOMAINS_MODULE}`;
}

/**
 * What a bundle of the pre-send check takes for the list, with the files written: the module in
 * mailchecker's place (esbuild's `alias`) and the `file` loader that copies the list beside the
 * bundle. The stack's bundling and the bench build it alike.
 */
export function disposableDomainsBundling(projectRoot: string): {
  readonly alias: Readonly<Record<string, string>>;
  readonly loader: Readonly<Record<string, "file">>;
} {
  return {
    alias: { mailchecker: writeDisposableDomainsModule(projectRoot) },
    loader: { [extname(DISPOSABLE_DOMAINS_LIST)]: "file" },
  };
}
