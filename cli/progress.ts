// A one-line progress indicator on stderr for long runs, drawn only when stderr is a terminal.
import type { Io } from "./context.ts";

export interface Progress {
  advance(count: number): void;
  /** Clears the line so the summary that follows starts clean. */
  finish(): void;
}

const REDRAW_INTERVAL_MS = 100;
const BAR_WIDTH = 24;
const CLEAR_LINE = "\r\u001b[2K";

const silent: Progress = { advance() {}, finish() {} };

/** `total` draws a bar; without it (a scan of unknown length) the count and rate are shown. */
export function startProgress(io: Io, label: string, total?: number): Progress {
  if (io.isTTY?.stderr !== true) return silent;
  const startedMs = performance.now();
  let done = 0;
  let drawnMs = Number.NEGATIVE_INFINITY;
  const draw = () => {
    const seconds = Math.max((performance.now() - startedMs) / 1000, 0.001);
    const rate = `${Math.round(done / seconds)}/s`;
    if (total === undefined || total <= 0) {
      io.stderr(`${CLEAR_LINE}${label} ${done} ${rate}`);
      return;
    }
    const share = Math.min(done / total, 1);
    const filled = Math.round(share * BAR_WIDTH);
    const bar = `${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}`;
    io.stderr(`${CLEAR_LINE}${label} [${bar}] ${Math.floor(share * 100)}% ${done}/${total} ${rate}`);
  };
  return {
    advance(count) {
      done += count;
      const nowMs = performance.now();
      if (nowMs - drawnMs >= REDRAW_INTERVAL_MS) {
        drawnMs = nowMs;
        draw();
      }
    },
    finish() {
      io.stderr(CLEAR_LINE);
    },
  };
}
