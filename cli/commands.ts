// Every command as the parser, the help and shell completion know it: name, arguments, options,
// examples. The work itself is in cli/commands/<name>.ts, loaded only when that command runs.
import {
  type CommandSpec,
  DATA_OPTION,
  DEPLOYMENT_OPTIONS,
  JSON_OPTION,
  type OptionSpec,
  TABLE_OPTIONS,
} from "./command.ts";

const STORE_OPTIONS = { ...DATA_OPTION, ...TABLE_OPTIONS } as const satisfies Record<string, OptionSpec>;

const REASON_OPTION = {
  reason: { type: "string", value: "TEXT", description: "why, in your words (required; kept in the audit)" },
} as const satisfies Record<string, OptionSpec>;

const ACTOR_OPTION = {
  actor: {
    type: "string",
    value: "NAME",
    description: "who is acting, for the audit (default: the OS user)",
  },
} as const satisfies Record<string, OptionSpec>;

export const LIST_STATUSES = ["suppressed", "deferred", "active", "all"] as const;
export const LIST_FORMATS = ["csv", "ndjson"] as const;

const LIST_FILTER_OPTIONS = {
  status: {
    type: "string",
    value: "STATUS",
    description: "suppressed (default), deferred, active or all",
    choices: LIST_STATUSES,
  },
  reason: {
    type: "string",
    value: "R",
    description: "only this reason or suppressed-by (userunknown, feedback, manual, hard…)",
  },
  since: {
    type: "string",
    value: "DATE",
    description: "only addresses in their status since DATE (ISO 8601)",
  },
} as const satisfies Record<string, OptionSpec>;

const FORMAT_OPTION = {
  format: {
    type: "string",
    value: "FORMAT",
    description: "csv or ndjson (export: csv; import: read from the file)",
    choices: LIST_FORMATS,
  },
} as const satisfies Record<string, OptionSpec>;

const QUEUE_OPTIONS = {
  ...DATA_OPTION,
  ...DEPLOYMENT_OPTIONS,
  "queue-url": { type: "string", value: "URL", description: "the feedback queue (instead of --stack)" },
  "dlq-url": { type: "string", value: "URL", description: "its dead-letter queue (instead of --stack)" },
  max: { type: "string", value: "N", description: "at most N messages" },
} as const satisfies Record<string, OptionSpec>;

export const SHELLS = ["bash", "zsh", "fish"] as const;

/** In the order the list of commands shows them. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "demo",
    summary: "run the bounce pipeline locally (what `npm start` does)",
    arguments: "[FILE...]",
    details: [
      "Sends SES's examples and a scenario through a local queue, classifier, store and retry",
      "windows. With FILEs, sends your own notifications instead (JSON, NDJSON or an array).",
      "It resets only a store it made itself; a folder holding anything else is left alone.",
    ],
    options: { ...DATA_OPTION },
    examples: [
      "bounce-guard demo",
      "bounce-guard demo --data /tmp/demo-store",
      "bounce-guard demo saved.ndjson",
    ],
    writes: true,
    load: () => import("./commands/demo.ts"),
  },
  {
    name: "classify",
    summary: "print one JSON verdict per recipient (NDJSON)",
    arguments: "[FILE...]",
    details: ["Reads notifications from FILEs, or stdin without any; writes nothing anywhere."],
    options: {},
    examples: ["bounce-guard classify test/fixtures/ses/01-aws-docs-identity-bounce-with-dsn.json"],
    load: () => import("./commands/classify.ts"),
  },
  {
    name: "status",
    summary: "the stored state of addresses: status, reason, since, evidence, history",
    arguments: "ADDRESS...",
    options: { ...STORE_OPTIONS, ...JSON_OPTION },
    examples: ["bounce-guard status jane@example.com"],
    load: () => import("./commands/status.ts"),
  },
  {
    name: "why",
    summary: "why an address gets its verdict: cause, evidence, history, audit",
    arguments: "ADDRESS...",
    options: { ...STORE_OPTIONS, ...JSON_OPTION },
    examples: ["bounce-guard why full.mailbox@example.net"],
    load: () => import("./commands/why.ts"),
  },
  {
    name: "check",
    summary: "the pre-send check: send, defer, suppress or invalid per address",
    arguments: "[ADDRESS...]",
    details: ["Addresses come from the arguments and from --file (one per line, # comments)."],
    options: {
      ...STORE_OPTIONS,
      file: { type: "string", value: "FILE", description: "also read addresses from FILE, one per line" },
      checks: {
        type: "string",
        value: "LIST",
        description: "validations to run (default syntax,disposable,typo; add mx)",
      },
      ...JSON_OPTION,
    },
    examples: [
      "bounce-guard check jane@example.com joe@gmal.com",
      "bounce-guard check --file recipients.txt --json > answers.ndjson",
    ],
    load: () => import("./commands/check.ts"),
  },
  {
    name: "suppress",
    summary: "suppress addresses by hand, audited with who, when and why",
    arguments: "ADDRESS...",
    options: { ...STORE_OPTIONS, ...REASON_OPTION, ...ACTOR_OPTION, ...JSON_OPTION },
    examples: ['bounce-guard suppress someone@example.com --reason "asked by phone"'],
    writes: true,
    load: () => import("./commands/suppress.ts"),
  },
  {
    name: "unsuppress",
    summary: "reactivate addresses: counters reset, earlier events stop counting",
    arguments: "ADDRESS...",
    details: [
      "The audit keeps what the suppression was. Complaints are refused without --force (exit 1);",
      "the other addresses are still reactivated.",
    ],
    options: {
      ...STORE_OPTIONS,
      ...REASON_OPTION,
      force: { type: "boolean", description: "also reactivate addresses whose recipient complained" },
      "ses-sync": {
        type: "boolean",
        description: "also remove them from SES's account-level list (deployed stacks only)",
      },
      ...ACTOR_OPTION,
      ...JSON_OPTION,
    },
    examples: ['bounce-guard unsuppress valued.customer@example.com --reason "outage is over"'],
    writes: true,
    load: () => import("./commands/unsuppress.ts"),
  },
  {
    name: "erase",
    summary: "remove an address's personal data; a suppressed one keeps a tombstone",
    arguments: "ADDRESS...",
    details: [
      "Removes history, evidence, audit and any open retry window, whatever the letter case. A",
      "suppressed address keeps a tombstone (keyed by HMAC in keyed mode), so it stays suppressed;",
      "any other is deleted. Backups, the DLQ and Step Functions history are out of its reach.",
    ],
    options: {
      ...STORE_OPTIONS,
      ...REASON_OPTION,
      "ses-sync": {
        type: "boolean",
        description: "also remove them from SES's account-level list (deployed stacks only)",
      },
      ...ACTOR_OPTION,
      ...JSON_OPTION,
    },
    examples: ['bounce-guard erase someone@example.com --reason "erasure request #1234"'],
    writes: true,
    load: () => import("./commands/erase.ts"),
  },
  {
    name: "list",
    summary: "the suppression list as a table (suppressed addresses unless --status)",
    options: { ...STORE_OPTIONS, ...LIST_FILTER_OPTIONS, ...JSON_OPTION },
    examples: ["bounce-guard list --status all --since 2026-11-01"],
    load: () => import("./commands/list.ts"),
  },
  {
    name: "export",
    summary: "the list as CSV or NDJSON, for scripts and for import",
    details: ["CSV columns: address,status,reason,by,since,retry_at,hard,soft,block,complaint,delivery"],
    options: { ...STORE_OPTIONS, ...FORMAT_OPTION, ...LIST_FILTER_OPTIONS },
    examples: ["bounce-guard export > suppressions.csv"],
    load: () => import("./commands/export.ts"),
  },
  {
    name: "import",
    summary: "add suppressions from a file (export's among them) or SES's account list",
    arguments: "[FILE]",
    details: [
      "CSV with an address column (reason, by, since and the counts are kept when present) or",
      "NDJSON as export writes it. Addresses already suppressed are skipped, so running it again",
      "changes nothing; invalid lines are named on stderr (exit 1) and the valid ones imported.",
    ],
    options: {
      ...STORE_OPTIONS,
      ...FORMAT_OPTION,
      "from-ses": {
        type: "boolean",
        description: "read SES's account-level suppression list (all pages) instead of a FILE",
      },
      ...ACTOR_OPTION,
      json: { type: "boolean", description: "the summary as one JSON object" },
    },
    examples: [
      "bounce-guard import suppressions.csv",
      "bounce-guard import --from-ses --stack BounceGuard --region eu-west-1",
    ],
    writes: true,
    load: () => import("./commands/import.ts"),
  },
  {
    name: "replay",
    summary: "feed saved notifications through the classifier into the store",
    arguments: "FILE...",
    options: { ...STORE_OPTIONS, json: { type: "boolean", description: "the counts as one JSON object" } },
    examples: ["bounce-guard replay saved-notifications.ndjson --stack BounceGuard"],
    writes: true,
    load: () => import("./commands/replay.ts"),
  },
  {
    name: "dlq",
    summary: "the messages in the dead-letter queue, with why they failed",
    details: [
      "Locally: the demo's dead letters, kept in the store's folder. With --stack or --dlq-url:",
      "a look at the deployed DLQ (each message's receive count goes up by one).",
    ],
    options: { ...QUEUE_OPTIONS, ...JSON_OPTION },
    examples: ["bounce-guard dlq", "bounce-guard dlq --stack BounceGuard --max 20"],
    load: () => import("./commands/dlq.ts"),
  },
  {
    name: "redrive",
    summary: "send the dead letters through again after a fix",
    details: [
      "Locally: each dead letter goes through the classifier again; the ones that still fail stay.",
      "Deployed: messages move from the DLQ back to the queue; one leaves the DLQ only once the",
      "queue has accepted its copy.",
    ],
    options: { ...QUEUE_OPTIONS, json: { type: "boolean", description: "the counts as one JSON object" } },
    examples: ["bounce-guard redrive", "bounce-guard redrive --stack BounceGuard --region eu-west-1"],
    // Locally it makes the store the operator's only when a dead letter applies (see redrive.ts).
    load: () => import("./commands/redrive.ts"),
  },
  {
    name: "report",
    summary: "a self-contained HTML report with charts (or --json: the same figures)",
    details: [
      "Suppressions and blocks over time, receiving domains by class, soft-bounce streaks and",
      "retry windows, top reasons with a sample diagnostic. One file, no external assets.",
    ],
    options: {
      ...STORE_OPTIONS,
      out: {
        type: "string",
        value: "DIR",
        description: "write DIR/index.html (default .bounce-guard/report)",
      },
      json: { type: "boolean", description: "print the figures as one JSON object instead" },
    },
    examples: ["bounce-guard report --out report && open report/index.html"],
    load: () => import("./commands/report.ts"),
  },
  {
    name: "completion",
    summary: "print a shell completion script (bash, zsh or fish)",
    arguments: "SHELL",
    details: ["Add its output to your shell's start-up, e.g. in ~/.bashrc:"],
    options: {},
    examples: [
      'eval "$(bounce-guard completion bash)"',
      "bounce-guard completion fish > ~/.config/fish/completions/bounce-guard.fish",
    ],
    load: () => import("./commands/completion.ts"),
  },
];

export function commandNamed(name: string): CommandSpec | undefined {
  return COMMANDS.find((command) => command.name === name);
}
