#!/usr/bin/env node
// Entry point of the bounce-guard command: runs the TypeScript sources through tsx's loader.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("./run.ts");
await runCli();
