// The corpus scorer: real bounce diagnostics labelled with Sisimai's reasons, each wrapped as an SES
// Bounce in three labellings and classified as `bounce-guard classify` does, scored as the corpus's
// README says (class and reason agreement, hard recall, false hard). The corpus test and
// `npm run corpus` both use it, so the development half and any other file of the same format are
// measured the same way.
import { parseNotification } from "../../functions/core/parse.ts";
import { REASONS, type Reason, type RecipientVerdict } from "../../functions/core/types.ts";
import { verdictsOf } from "../../functions/core/verdicts.ts";

export const CORPUS_CLASSES = ["hard", "soft", "block", "unknown"] as const;
export type CorpusClass = (typeof CORPUS_CLASSES)[number];

/** One line of the corpus (its README names the fields). */
export interface CorpusCase {
  /** 1-based line in the file, for messages. */
  readonly line: number;
  readonly diagnostic: string;
  readonly diagnosticRaw?: string;
  readonly status?: string;
  readonly replyCode?: string;
  readonly expectedReason: Reason;
  readonly expectedClass: CorpusClass;
  readonly altReason?: Reason;
  readonly smtpCommand?: string;
  readonly mtaModule?: string;
}

/** A line that is not a corpus case, named by its line number. */
export class CorpusFormatError extends Error {
  override readonly name = "CorpusFormatError";
}

function optionalString(record: Record<string, unknown>, field: string, line: number): string | undefined {
  const value = record[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new CorpusFormatError(`line ${line}: "${field}" is not a string`);
  return value;
}

function reasonField(record: Record<string, unknown>, field: string, line: number): Reason | undefined {
  const value = optionalString(record, field, line);
  if (value === undefined) return undefined;
  if (!(REASONS as readonly string[]).includes(value)) {
    throw new CorpusFormatError(`line ${line}: "${field}" is ${JSON.stringify(value)}, not a reason`);
  }
  return value as Reason;
}

/** Reads a corpus file (one JSON object a line; blank lines are skipped); throws on the first bad line. */
export function readCorpus(text: string): CorpusCase[] {
  const cases: CorpusCase[] = [];
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index += 1) {
    const source = lines[index]?.trim() ?? "";
    if (source === "") continue;
    const line = index + 1;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (error) {
      throw new CorpusFormatError(`line ${line}: not JSON (${(error as Error).message})`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new CorpusFormatError(`line ${line}: not a JSON object`);
    }
    const record = value as Record<string, unknown>;
    const diagnostic = optionalString(record, "diagnostic", line);
    if (diagnostic === undefined) throw new CorpusFormatError(`line ${line}: no "diagnostic"`);
    const expectedReason = reasonField(record, "expected_reason", line);
    if (expectedReason === undefined) throw new CorpusFormatError(`line ${line}: no "expected_reason"`);
    const expectedClass = optionalString(record, "expected_class", line);
    if (!(CORPUS_CLASSES as readonly (string | undefined)[]).includes(expectedClass)) {
      throw new CorpusFormatError(
        `line ${line}: "expected_class" is ${JSON.stringify(expectedClass)}, not one of ${CORPUS_CLASSES.join(", ")}`,
      );
    }
    const optional = {
      diagnosticRaw: optionalString(record, "diagnostic_raw", line),
      status: optionalString(record, "status", line),
      replyCode: optionalString(record, "replycode", line),
      altReason: reasonField(record, "alt_reason", line),
      smtpCommand: optionalString(record, "smtp_command", line),
      mtaModule: optionalString(record, "mta_module", line),
    };
    cases.push({
      line,
      diagnostic,
      expectedReason,
      expectedClass: expectedClass as CorpusClass,
      ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    });
  }
  return cases;
}

/** The three ways SES may label the same reply; SES's label must not move a verdict the text decides. */
export const LABELLINGS = [
  { name: "Undetermined", bounceType: "Undetermined", bounceSubType: "Undetermined" },
  { name: "Permanent/General", bounceType: "Permanent", bounceSubType: "General" },
  { name: "Transient/General", bounceType: "Transient", bounceSubType: "General" },
] as const;
export type Labelling = (typeof LABELLINGS)[number];

/**
 * The SES Bounce notification a case stands for: the verbatim Diagnostic-Code when the corpus has
 * it, otherwise the reply after `smtp; `, and the status code SES would put beside it when known.
 */
export function sesBounceOf(corpusCase: CorpusCase, labelling: Labelling): Record<string, unknown> {
  const recipient = `recipient-${corpusCase.line}@example.org`;
  return {
    notificationType: "Bounce",
    bounce: {
      bounceType: labelling.bounceType,
      bounceSubType: labelling.bounceSubType,
      bouncedRecipients: [
        {
          emailAddress: recipient,
          action: "failed",
          ...(corpusCase.status !== undefined ? { status: corpusCase.status } : {}),
          diagnosticCode: corpusCase.diagnosticRaw ?? `smtp; ${corpusCase.diagnostic}`,
        },
      ],
      timestamp: "2025-02-01T00:00:00.000Z",
      feedbackId: `corpus-${corpusCase.line}-${labelling.bounceType}`,
      reportingMTA: "dsn; a1-2.smtp-out.eu-west-1.amazonses.com",
    },
    mail: {
      timestamp: "2025-02-01T00:00:00.000Z",
      messageId: `corpus-${corpusCase.line}`,
      source: "sender@example.com",
      destination: [recipient],
    },
  };
}

/** The one verdict `bounce-guard classify` prints for a wrapped case. */
export function verdictOf(corpusCase: CorpusCase, labelling: Labelling): RecipientVerdict {
  const parsed = parseNotification(sesBounceOf(corpusCase, labelling));
  if (parsed.kind !== "notification") {
    throw new Error(`line ${corpusCase.line}: the wrapped case did not parse (${parsed.kind})`);
  }
  const [verdict] = verdictsOf(parsed.notification);
  if (verdict === undefined) throw new Error(`line ${corpusCase.line}: no verdict`);
  return verdict;
}

/**
 * The one kind of label noise the corpus forgives: a reply that literally says the user is unknown,
 * which Sisimai labels filtered or rejected from context SES does not pass on.
 */
const LITERALLY_UNKNOWN_USER = /\b(?:user unknown|unknown user|no such user)\b/i;

export function isForgiven(corpusCase: CorpusCase, reason: Reason): boolean {
  return (
    reason === "userunknown" &&
    (corpusCase.expectedReason === "filtered" || corpusCase.expectedReason === "rejected") &&
    LITERALLY_UNKNOWN_USER.test(corpusCase.diagnosticRaw ?? corpusCase.diagnostic)
  );
}

export interface CaseOutcome {
  readonly corpusCase: CorpusCase;
  readonly verdict: RecipientVerdict;
  readonly classAgrees: boolean;
  readonly reasonAgrees: boolean;
  readonly forgiven: boolean;
}

export interface LabellingScore {
  readonly labelling: Labelling["name"];
  /** Cases with a class (`unknown` is not scored). */
  readonly scored: number;
  readonly classAgreements: number;
  readonly reasonAgreements: number;
  readonly hardCases: number;
  readonly hardRecalled: number;
  /** Cases that are not hard, read as hard: valid addresses suppressed. */
  readonly falseHard: number;
  readonly notHardCases: number;
  /** Percentages, one decimal. */
  readonly classPercent: number;
  readonly reasonPercent: number;
  readonly hardRecallPercent: number;
  readonly outcomes: readonly CaseOutcome[];
}

const percent = (part: number, whole: number): number =>
  whole === 0 ? 100 : Math.round((1000 * part) / whole) / 10;

export function scoreLabelling(cases: readonly CorpusCase[], labelling: Labelling): LabellingScore {
  const outcomes: CaseOutcome[] = [];
  let classAgreements = 0;
  let reasonAgreements = 0;
  let hardCases = 0;
  let hardRecalled = 0;
  let falseHard = 0;
  let notHardCases = 0;
  for (const corpusCase of cases) {
    if (corpusCase.expectedClass === "unknown") continue;
    const verdict = verdictOf(corpusCase, labelling);
    const forgiven = isForgiven(corpusCase, verdict.reason);
    const classAgrees = forgiven || verdict.class === corpusCase.expectedClass;
    const reasonAgrees =
      forgiven || verdict.reason === corpusCase.expectedReason || verdict.reason === corpusCase.altReason;
    if (classAgrees) classAgreements += 1;
    if (reasonAgrees) reasonAgreements += 1;
    if (corpusCase.expectedClass === "hard") {
      hardCases += 1;
      if (verdict.class === "hard") hardRecalled += 1;
    } else {
      notHardCases += 1;
      if (verdict.class === "hard" && !forgiven) falseHard += 1;
    }
    outcomes.push({ corpusCase, verdict, classAgrees, reasonAgrees, forgiven });
  }
  const scored = outcomes.length;
  return {
    labelling: labelling.name,
    scored,
    classAgreements,
    reasonAgreements,
    hardCases,
    hardRecalled,
    falseHard,
    notHardCases,
    classPercent: percent(classAgreements, scored),
    reasonPercent: percent(reasonAgreements, scored),
    hardRecallPercent: percent(hardRecalled, hardCases),
    outcomes,
  };
}

export interface CorpusScore {
  readonly labellings: readonly LabellingScore[];
  /** The worst of the three labellings on each figure, which is what counts. */
  readonly worst: {
    readonly classPercent: number;
    readonly reasonPercent: number;
    readonly hardRecallPercent: number;
    readonly falseHard: number;
  };
}

export function scoreCorpus(cases: readonly CorpusCase[]): CorpusScore {
  const labellings = LABELLINGS.map((labelling) => scoreLabelling(cases, labelling));
  return {
    labellings,
    worst: {
      classPercent: Math.min(...labellings.map((score) => score.classPercent)),
      reasonPercent: Math.min(...labellings.map((score) => score.reasonPercent)),
      hardRecallPercent: Math.min(...labellings.map((score) => score.hardRecallPercent)),
      falseHard: Math.max(...labellings.map((score) => score.falseHard)),
    },
  };
}

/** The figures as a table, one labelling a row and the worst last. */
export function formatScore(score: CorpusScore): string {
  const rows = score.labellings.map((s) => [
    s.labelling,
    `${s.classPercent.toFixed(1)} % (${s.classAgreements}/${s.scored})`,
    `${s.reasonPercent.toFixed(1)} % (${s.reasonAgreements}/${s.scored})`,
    `${s.hardRecallPercent.toFixed(1)} % (${s.hardRecalled}/${s.hardCases})`,
    `${s.falseHard} of ${s.notHardCases}`,
  ]);
  const { worst } = score;
  rows.push([
    "worst",
    `${worst.classPercent.toFixed(1)} %`,
    `${worst.reasonPercent.toFixed(1)} %`,
    `${worst.hardRecallPercent.toFixed(1)} %`,
    String(worst.falseHard),
  ]);
  const header = ["labelling", "class agreement", "reason agreement", "hard recall", "false hard"];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** Each disagreement of one labelling, one line each: what the corpus says, what we read, the text. */
export function formatMisses(score: LabellingScore, limit = Number.POSITIVE_INFINITY): string {
  return score.outcomes
    .filter((outcome) => !outcome.classAgrees || !outcome.reasonAgrees)
    .slice(0, limit)
    .map(({ corpusCase, verdict }) => {
      const expected = `${corpusCase.expectedClass}/${corpusCase.expectedReason}${corpusCase.altReason ? `|${corpusCase.altReason}` : ""}`;
      const text = (corpusCase.diagnosticRaw ?? corpusCase.diagnostic).slice(0, 160);
      return `line ${corpusCase.line}: expected ${expected}, read ${verdict.class}/${verdict.reason}${corpusCase.status ? ` [${corpusCase.status}]` : ""}: ${text}`;
    })
    .join("\n");
}
