// A one-line progress indicator on stderr for long runs, drawn only when stderr is a terminal (and
// TERM is not dumb). Output meant for stdout goes through `print`, which clears the line first, so
// rows never run into the indicator when both streams are the same terminal.
import type { Io } from "./command.ts";

export interface Progress {
  advance(count: number): void;
  /** Write to stdout with the indicator out of the way; it is drawn again at the next advance. */
  print(text: string): void;
  /** Clears the line so the summary that follows starts clean. */
  finish(): void;
}

const REDRAW_INTERVAL_MS = 100;
const BAR_WIDTH = 24;
const CLEAR_LINE = "\r\u001b[2K";

export function progressOn(io: Io): boolean {
  return io.isTTY?.stderr === true && io.env?.TERM !== "dumb";
}

/** `total` draws a bar; without it (a scan of unknown length) the count and rate are shown. */
export function startProgress(io: Io, label: string, total?: number): Progress {
  if (!progressOn(io)) {
    return { advance() {}, print: (text) => io.stdout(text), finish() {} };
  }
  const startedMs = performance.now();
  let done = 0;
  let drawnMs = Number.NEGATIVE_INFINITY;
  let shown = false;
  const draw = () => {
    const seconds = Math.max((performance.now() - startedMs) / 1000, 0.001);
    const rate = `${Math.round(done / seconds)}/s`;
    shown = true;
    if (total === undefined || total <= 0) {
      io.stderr(`${CLEAR_LINE}${label} ${done} ${rate}`);
      return;
    }
    const share = Math.min(done / total, 1);
    const filled = Math.round(share * BAR_WIDTH);
    const bar = `${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}`;
    io.stderr(`${CLEAR_LINE}${label} [${bar}] ${Math.floor(share * 100)}% ${done}/${total} ${rate}`);
  };
  const clear = () => {
    if (shown) io.stderr(CLEAR_LINE);
    shown = false;
  };
  return {
    advance(count) {
      done += count;
      const nowMs = performance.now();
      // Redrawn at most ten times a second, and always at the end of a known total.
      if (nowMs - drawnMs >= REDRAW_INTERVAL_MS || (total !== undefined && done >= total)) {
        drawnMs = nowMs;
        draw();
      }
    },
    print(text) {
      clear();
      io.stdout(text);
      // Drawn again at once when the indicator was there, so it does not vanish between pages.
      drawnMs = Number.NEGATIVE_INFINITY;
    },
    finish: clear,
  };
}
