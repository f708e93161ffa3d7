// The package's version, read from its own package.json by the package's name (its "exports" list
// ./package.json), so the sources and the compiled dist/ read the same file. Imports nothing else:
// the entry answers `--version` with it before loading the command line.
import { createRequire } from "node:module";

export function packageVersion(): string {
  const manifest = createRequire(import.meta.url)("bounce-guard/package.json") as { version: string };
  return manifest.version;
}
