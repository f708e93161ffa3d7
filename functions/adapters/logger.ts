// Structured JSON logs, with addresses redacted unless the operator opted in.
import { redactAddress } from "../core/address.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
  /** The form of an address that may appear in a log line. */
  address(address: string): string;
}

export interface LoggerOptions {
  readonly logAddresses: boolean;
  readonly write?: (line: string) => void;
  readonly minimumLevel?: LogLevel;
}

const LEVEL_ORDER = { debug: 0, info: 1, warn: 2, error: 3 } as const satisfies Record<LogLevel, number>;

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const minimum = LEVEL_ORDER[options.minimumLevel ?? "info"];
  return {
    log(level, message, fields = {}) {
      if (LEVEL_ORDER[level] < minimum) return;
      write(JSON.stringify({ level, message, timestamp: new Date().toISOString(), ...fields }));
    },
    address(address) {
      return options.logAddresses ? address : redactAddress(address);
    },
  };
}

/** A logger that drops everything: for the command line, whose output is its own. */
export const silentLogger: Logger = { log() {}, address: redactAddress };
