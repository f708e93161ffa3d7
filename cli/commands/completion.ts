// bounce-guard completion SHELL: a completion script for bash, zsh or fish, written from the same
// command list the parser uses (cli/commands.ts), so it cannot drift from what the CLI accepts.
// The scripts are static: pressing Tab never starts Node.
import { type CommandRun, EXIT, type OptionSpec, UsageError } from "../command.ts";
import { COMMANDS, SHELLS } from "../commands.ts";

type Shell = (typeof SHELLS)[number];

const PROGRAM = "bounce-guard";
const COMMON_FLAGS = ["--help"];

/** Options whose value is a file or folder: completed with paths. */
const PATH_VALUES = new Set(["data", "file", "out"]);

function flagsOf(options: Readonly<Record<string, OptionSpec>>): string[] {
  return [...Object.keys(options).map((name) => `--${name}`), ...COMMON_FLAGS];
}

/** Single quotes for the shells: the words here are ours, but quoting keeps the script valid anyway. */
function quoted(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

function bash(): string {
  const names = COMMANDS.map((command) => command.name).join(" ");
  const cases = COMMANDS.map((command) => {
    const choices = Object.entries(command.options)
      .filter(([, option]) => option.choices !== undefined)
      .map(
        ([name, option]) =>
          `        --${name}) COMPREPLY=($(compgen -W ${quoted((option.choices ?? []).join(" "))} -- "$cur")); return ;;`,
      );
    const paths = Object.keys(command.options)
      .filter((name) => PATH_VALUES.has(name))
      .map((name) => `        --${name}) COMPREPLY=($(compgen -f -- "$cur")); return ;;`);
    const shells =
      command.name === "completion"
        ? `      COMPREPLY=($(compgen -W ${quoted(SHELLS.join(" "))} -- "$cur")); return ;;`
        : "";
    return [
      `    ${command.name})`,
      '      case "$prev" in',
      ...choices,
      ...paths,
      "      esac",
      `      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W ${quoted(flagsOf(command.options).join(" "))} -- "$cur")); return; fi`,
      shells !== "" ? shells : '      COMPREPLY=($(compgen -f -- "$cur")); return ;;',
    ].join("\n");
  });
  return [
    `# bash completion for ${PROGRAM}: eval "$(${PROGRAM} completion bash)"`,
    `_bounce_guard() {`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's own ${…}, not a template
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" command="${COMP_WORDS[1]}"',
    "  if [[ $COMP_CWORD -eq 1 ]]; then",
    `    COMPREPLY=($(compgen -W ${quoted(`${names} help --help --version`)} -- "$cur")); return`,
    "  fi",
    '  case "$command" in',
    `    help) COMPREPLY=($(compgen -W ${quoted(names)} -- "$cur")); return ;;`,
    ...cases,
    "  esac",
    "}",
    `complete -o default -F _bounce_guard ${PROGRAM}`,
    "",
  ].join("\n");
}

/** zsh's _arguments spec of one option: `--name[description]:value:action`. */
function zshOption(name: string, option: OptionSpec): string {
  const description = option.description.replace(/[[\]:']/g, " ");
  if (option.type === "boolean") return `'--${name}[${description}]'`;
  const action =
    option.choices !== undefined ? `(${option.choices.join(" ")})` : PATH_VALUES.has(name) ? "_files" : " ";
  return `'--${name}[${description}]:${(option.value ?? "value").toLowerCase()}:${action}'`;
}

function zsh(): string {
  const described = COMMANDS.map(
    (command) => `    ${quoted(`${command.name}:${command.summary.replace(/:/g, " ")}`)}`,
  );
  const cases = COMMANDS.map((command) => {
    const options = Object.entries(command.options).map(
      ([name, option]) => `        ${zshOption(name, option)}`,
    );
    const rest =
      command.name === "completion"
        ? `'1:shell:(${SHELLS.join(" ")})'`
        : command.arguments !== undefined
          ? "'*:file:_files'"
          : "";
    return [
      `      ${command.name})`,
      "        _arguments \\",
      ...options.map((line) => `${line} \\`),
      `        '--help[this help]' ${rest}`,
      "        ;;",
    ].join("\n");
  });
  return [
    `#compdef ${PROGRAM}`,
    `# zsh completion for ${PROGRAM}: ${PROGRAM} completion zsh > "\${fpath[1]}/_${PROGRAM}"`,
    "_bounce_guard() {",
    "  local -a commands",
    "  commands=(",
    ...described,
    "  )",
    "  if (( CURRENT == 2 )); then",
    "    _describe 'command' commands",
    "    return",
    "  fi",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: zsh's own ${…}, not a template
    "  local command=${words[2]}",
    "  (( CURRENT-- ))",
    "  shift words",
    '  case "$command" in',
    "      help) _describe 'command' commands ;;",
    ...cases,
    "  esac",
    "}",
    `compdef _bounce_guard ${PROGRAM}`,
    "",
  ].join("\n");
}

function fish(): string {
  const names = COMMANDS.map((command) => command.name).join(" ");
  const lines = [
    `# fish completion for ${PROGRAM}: ${PROGRAM} completion fish > ~/.config/fish/completions/${PROGRAM}.fish`,
    `complete -c ${PROGRAM} -f`,
    `complete -c ${PROGRAM} -n "not __fish_seen_subcommand_from ${names} help" -l version -d 'print the version'`,
    `complete -c ${PROGRAM} -n "not __fish_seen_subcommand_from ${names} help" -a help -d "a command's options and examples"`,
    `complete -c ${PROGRAM} -n "__fish_seen_subcommand_from help" -a ${quoted(names)}`,
  ];
  for (const command of COMMANDS) {
    lines.push(
      `complete -c ${PROGRAM} -n "not __fish_seen_subcommand_from ${names} help" -a ${command.name} -d ${quoted(command.summary)}`,
    );
    const when = `-n "__fish_seen_subcommand_from ${command.name}"`;
    for (const [name, option] of Object.entries(command.options)) {
      const value =
        option.type === "boolean"
          ? ""
          : option.choices !== undefined
            ? ` -x -a ${quoted(option.choices.join(" "))}`
            : PATH_VALUES.has(name)
              ? " -r -F"
              : " -x";
      lines.push(`complete -c ${PROGRAM} ${when} -l ${name}${value} -d ${quoted(option.description)}`);
    }
    if (command.name === "completion")
      lines.push(`complete -c ${PROGRAM} ${when} -x -a ${quoted(SHELLS.join(" "))}`);
    else if (command.arguments !== undefined) lines.push(`complete -c ${PROGRAM} ${when} -F`);
  }
  return `${lines.join("\n")}\n`;
}

const SCRIPTS = { bash, zsh, fish } as const satisfies Record<Shell, () => string>;

export function completionScript(shell: Shell): string {
  return SCRIPTS[shell]();
}

export const run: CommandRun = async (args, _options, io) => {
  const [shell] = args;
  if (!(SHELLS as readonly string[]).includes(shell ?? "")) {
    throw new UsageError(`completion needs one of ${SHELLS.join(", ")}, got "${shell ?? ""}"`);
  }
  io.stdout(completionScript(shell as Shell));
  return EXIT.ok;
};
