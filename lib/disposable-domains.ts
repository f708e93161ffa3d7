// The disposable-domain list as the pre-send check's bundle loads it: generated at synth from the
// installed mailchecker package, as one sorted string instead of mailchecker's Set.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { sortedListHas, sortedListOf } from "../functions/core/sorted-list.ts";

/**
 * Where the generated module goes, under the project root: inside node_modules (so never committed
 * and gone with a fresh install) and at a fixed place, so the bundle it ends up in is the same on
 * every machine.
 */
export const DISPOSABLE_DOMAINS_MODULE = "node_modules/.cache/bounce-guard/disposable-domains.mjs";

/**
 * mailchecker builds a Set of its 56,000-odd domains when its module is evaluated: about 70 % of the
 * pre-send check's bundle and most of its cold start. The bundle gets this module in its place
 * (esbuild's alias), which offers the one call the check makes, `blacklist().has(domain)`, over the
 * same domains kept as one sorted string.
 */
function disposableDomainsSource(domains: Iterable<string>): string {
  return [
    "// Generated at synth by lib/disposable-domains.ts from the installed mailchecker package. Do not edit.",
    // The search itself, as compiled from functions/core/sorted-list.ts: the module imports nothing,
    // so it loads the same from node_modules under esbuild, Node and the test runner.
    `const sortedListHas = ${sortedListHas.toString()};`,
    `const DOMAINS = ${JSON.stringify(sortedListOf(domains))};`,
    "const blacklist = { has: (domain) => sortedListHas(DOMAINS, domain) };",
    "export default { blacklist: () => blacklist };",
    "",
  ].join("\n");
}

let written: string | undefined;

/**
 * Write the module for `projectRoot` (once per process, and only when its content changed) and
 * return the path esbuild's `--alias:mailchecker=` takes: relative to the project root, where the
 * CDK runs esbuild.
 */
export function writeDisposableDomainsModule(projectRoot: string): string {
  const file = join(projectRoot, DISPOSABLE_DOMAINS_MODULE);
  if (written !== file) {
    const require = createRequire(join(projectRoot, "package.json"));
    const mailchecker = require("mailchecker") as { blacklist(): Set<string> };
    const source = disposableDomainsSource(mailchecker.blacklist());
    mkdirSync(dirname(file), { recursive: true });
    if (!existsSync(file) || readFileSync(file, "utf8") !== source) {
      // Written aside and renamed: parallel synths (test workers) never read a half-written module.
      const aside = `${file}.${process.pid}.tmp`;
      writeFileSync(aside, source);
      renameSync(aside, file);
    }
    written = file;
  }
  return `./${DISPOSABLE_DOMAINS_MODULE}`;
}

/**
 * The module aliases a bundle of the pre-send check takes (esbuild's `alias`), with the module
 * written: the stack's bundling and the bench build it alike.
 */
export function disposableDomainsAliases(projectRoot: string): Readonly<Record<string, string>> {
  return { mailchecker: writeDisposableDomainsModule(projectRoot) };
}
