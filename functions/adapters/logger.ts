// Structured JSON logs, with addresses replaced by pseudonyms unless the operator opted in.
import { randomBytes } from "node:crypto";
import { pseudonymOf } from "../core/address.ts";
import type { AddressKeys } from "../core/address-key.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
  /** The form of an address that may appear in a log line. */
  address(address: string): string;
}

export interface LoggerOptions {
  readonly logAddresses: boolean;
  /** How an address appears when not logged as it is. @default containerPseudonyms */
  readonly pseudonyms?: (address: string) => string;
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
      return options.logAddresses ? address : (options.pseudonyms ?? containerPseudonyms)(address);
    },
  };
}

/** A key made at load and never written anywhere: pseudonyms agree within one container only. */
const CONTAINER_KEY = randomBytes(32);

/**
 * Without keyed mode there is no secret to key pseudonyms with, so each container makes its own:
 * the lines of one log stream still follow one address, but neither a list of addresses nor
 * another container's logs can be matched against them.
 */
export function containerPseudonyms(address: string): string {
  return pseudonymOf(address, CONTAINER_KEY);
}

/**
 * Keyed mode logs the item's key (the HMAC of the folded address): operators holding the secret
 * find the item and its log lines from the address, nobody else can. Otherwise, per container.
 */
export function pseudonymsFor(keys: AddressKeys): (address: string) => string {
  return keys.keyed ? (address) => `addr:${keys.keyOf(address)}` : containerPseudonyms;
}

/** A logger that drops everything: for the command line, whose output is its own. */
export const silentLogger: Logger = { log() {}, address: containerPseudonyms };
