// Runs in a fresh Node process: imports one bundle, optionally invokes its handler once (the
// container's first-invocation setup), and prints how long each took on a line of its own.
const [bundle, event] = process.argv.slice(2);
const started = performance.now();
const loaded = await import(bundle);
const imported = performance.now();
if (event !== undefined && event !== "-") {
  await loaded.handler(JSON.parse(event), {});
}
const initialised = performance.now();
process.stdout.write(
  `\nCOLD_LOAD ${JSON.stringify({ importMs: imported - started, initMs: initialised - imported })}\n`,
);
