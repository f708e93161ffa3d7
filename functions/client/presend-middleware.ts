// A middy middleware for sender Lambdas: drops recipients the pre-send check says not to mail.
import type { MiddlewareObj } from "@middy/core";
import type { PresendAnswer } from "../core/presend.ts";
import { type CheckRecipientsOptions, checkRecipients } from "./check-recipients.ts";

/** The recipient lists of SES SendEmail (v1 and v2) and SendBulkEmail (v2) inputs. */
interface Destination {
  ToAddresses?: string[];
  CcAddresses?: string[];
  BccAddresses?: string[];
}

export interface SendEmailShape {
  Destination?: Destination;
  /** SES v1 SendRawEmail. */
  Destinations?: string[];
  /** SES v2 SendBulkEmail. */
  BulkEmailEntries?: { Destination?: Destination }[];
}

export interface RemovedRecipient {
  readonly address: string;
  readonly verdict: PresendAnswer["verdict"];
  readonly reason: string;
  readonly retryAt?: string;
}

const LISTS = ["ToAddresses", "CcAddresses", "BccAddresses"] as const;

function addressesOf(input: SendEmailShape): string[] {
  const destinations = [
    input.Destination,
    ...(input.BulkEmailEntries ?? []).map((entry) => entry.Destination),
  ];
  return [
    ...destinations.flatMap((destination) => LISTS.flatMap((list) => destination?.[list] ?? [])),
    ...(input.Destinations ?? []),
  ];
}

/**
 * Keep only the recipients whose answer is `send`. Pure: returns the filtered copy and what was
 * removed and why; the input is not changed.
 */
export function filterSendEmailInput<T extends SendEmailShape>(
  input: T,
  answers: ReadonlyMap<string, PresendAnswer>,
): { input: T; removed: RemovedRecipient[] } {
  const removed: RemovedRecipient[] = [];
  const keep = (address: string) => {
    const answer = answers.get(address);
    if (answer === undefined || answer.verdict === "send") return true;
    removed.push({
      address,
      verdict: answer.verdict,
      reason: answer.reason,
      ...(answer.retryAt !== undefined ? { retryAt: answer.retryAt } : {}),
    });
    return false;
  };
  const filterDestination = (destination: Destination | undefined): Destination | undefined =>
    destination === undefined
      ? undefined
      : Object.fromEntries(
          Object.entries(destination).map(([list, value]) => [
            list,
            LISTS.includes(list as (typeof LISTS)[number]) && Array.isArray(value)
              ? value.filter(keep)
              : value,
          ]),
        );
  const copy: T = { ...input };
  if (input.Destination !== undefined) copy.Destination = filterDestination(input.Destination);
  if (input.Destinations !== undefined) copy.Destinations = input.Destinations.filter(keep);
  if (input.BulkEmailEntries !== undefined) {
    // SES rejects a bulk entry without recipients, so entries left empty are dropped.
    copy.BulkEmailEntries = input.BulkEmailEntries.map((entry) => ({
      ...entry,
      Destination: filterDestination(entry.Destination),
    })).filter((entry) => addressesOf({ Destination: entry.Destination }).length > 0);
  }
  return { input: copy, removed };
}

export interface PresendFilterOptions<TEvent> extends CheckRecipientsOptions {
  /** Where the SES input is in the event; the event itself by default. */
  readonly select?: (event: TEvent) => SendEmailShape;
  /** Put the filtered input back; replaces the event's fields by default. */
  readonly replace?: (event: TEvent, input: SendEmailShape) => void;
}

/**
 * Before the handler runs, check every recipient of the SES input and remove those not to be
 * mailed. What was removed, and why, is at `request.internal.bounceGuardRemoved`.
 */
export function presendFilter<TEvent extends object>(
  options: PresendFilterOptions<TEvent>,
): MiddlewareObj<TEvent> {
  const select = options.select ?? ((event: TEvent) => event as SendEmailShape);
  const replace = options.replace ?? ((event: TEvent, input: SendEmailShape) => Object.assign(event, input));
  return {
    before: async (request) => {
      const input = select(request.event);
      const addresses = [...new Set(addressesOf(input))];
      (request.internal as Record<string, unknown>).bounceGuardRemoved = [];
      if (addresses.length === 0) return;
      const answers = await checkRecipients(addresses, options);
      const byAddress = new Map(answers.map((answer) => [answer.address, answer]));
      const filtered = filterSendEmailInput(input, byAddress);
      replace(request.event, filtered.input);
      (request.internal as Record<string, unknown>).bounceGuardRemoved = filtered.removed;
    },
  };
}
