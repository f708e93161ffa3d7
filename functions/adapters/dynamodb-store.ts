// The suppression store on DynamoDB: applies policy decisions with conditional writes.
import {
  type AttributeValue,
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { type AddressKeys, PLAIN_KEYS, withoutAddress } from "../core/address-key.ts";
import {
  type AddressState,
  type Assessment,
  type AuditEntry,
  assess,
  COUNTERS,
  type Counter,
  type Decision,
  defers,
  type HistoryEntry,
  type PolicyConfig,
  type Suppression,
} from "../core/policy.ts";
import {
  executionName,
  NEVER_RELEASED,
  namesUsedIn,
  opensWindow,
  type RetryWindowConfig,
  repairOf,
  type StoredWindow,
  WINDOW_ATTRIBUTES,
  WINDOW_NAMES,
  type WindowStart,
  windowFromItem,
  windowStartOf,
} from "../core/retry-window.ts";
import { decodeEntry, encodeEntry } from "./history-entry.ts";
import { ATTRIBUTES, TABLE_SCHEMA } from "./table-schema.ts";

export type ApplyResult =
  | {
      readonly kind: "applied";
      readonly assessment: Assessment;
      readonly promoted: boolean;
      /** A retry window this event opened: its execution is to be started (idempotently). */
      readonly window?: WindowStart;
      /** The execution of a window this event closed or replaced: it can be stopped now. */
      readonly stopWindow?: string;
    }
  /** Already applied. The assessment is known only when the store had to read the item. */
  | {
      readonly kind: "duplicate";
      readonly assessment?: Assessment;
      readonly promoted: boolean;
      readonly window?: WindowStart;
      readonly stopWindow?: string;
    }
  | { readonly kind: "skipped"; readonly why: string };

const NAMES = {
  "#pk": TABLE_SCHEMA.partitionKey,
  "#ttl": TABLE_SCHEMA.ttlAttribute,
  "#sup": ATTRIBUTES.suppression,
  "#hist": ATTRIBUTES.history,
  "#ids": ATTRIBUTES.eventIds,
  "#updated": ATTRIBUTES.updatedAt,
  "#retained": ATTRIBUTES.retained,
  "#reactivated": ATTRIBUTES.reactivatedAt,
  "#audit": ATTRIBUTES.audit,
  ...WINDOW_NAMES,
};

/** Removes the retry window from an item. */
const REMOVE_WINDOW = "#wS, #wE, #wD, #wR, #wN, #wF, #wP";

const BATCH_GET_LIMIT = 100;
const BATCH_GET_ATTEMPTS = 8;
const BACKOFF_BASE_MS = 25;
const BACKOFF_CAP_MS = 2_000;

/** Written to the retained marker and to the TTL attribute of suppressed items. */
const RETAINED = "suppressed";

/**
 * The ids list holds the first 12 characters of each event id (72 bits: two events of one address
 * never share them), not all 22: the list is rewritten with every event. Items written before hold
 * whole ids, so the condition looks for both forms, and a redelivery of an event applied by an older
 * version is still recognised.
 */
const STORED_ID_LENGTH = 12;
// NOT binds tighter than AND, and AND than OR: "no list, or neither form in it". Written without
// nested parentheses: dynalite's expression parser (`npm start` and every test) backtracks over
// them; the nested form halved the chaos replay's rate before that replay memoized its parses.
const NOT_SEEN = "attribute_not_exists(#ids) OR NOT contains(#ids, :id) AND NOT contains(#ids, :wholeId)";

/** The form of an event id the ids list holds. */
export function storedEventId(id: string): string {
  return id.slice(0, STORED_ID_LENGTH);
}

function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === "ConditionalCheckFailedException")
  );
}

/**
 * The stored suppression snapshot: what decides (time, cause, reason, status) and what an operator
 * wrote, but not the evidence the history entry already carries (diagnostic, ids): the snapshot only
 * answers once that entry has been trimmed, and every byte of it is paid again on each write.
 */
function snapshotOf(suppression: Suppression): Suppression {
  const {
    diagnostic: _diagnostic,
    feedbackId: _feedbackId,
    messageId: _messageId,
    ...snapshot
  } = suppression;
  return snapshot;
}

/** Entries that never change an assessment; trimming drops them before the others. */
function affectsPolicy(entry: HistoryEntry): boolean {
  return entry.event !== "delay" && entry.class !== "autoreply" && entry.class !== "ignore";
}

/**
 * The REMOVE paths dropping `count` entries: those that cannot change an assessment first, then
 * the oldest by event time (not arrival). Highest index first: DynamoDB resolves every index
 * against the list before the update, and descending order keeps emulators that remove one by
 * one correct too. The ids list is kept aligned with the history.
 */
function trimPaths(history: readonly HistoryEntry[], count: number): string {
  return history
    .map((entry, index) => ({ index, weight: affectsPolicy(entry) ? 1 : 0, at: entry.at }))
    .sort((a, b) => a.weight - b.weight || (a.at < b.at ? -1 : a.at > b.at ? 1 : a.index - b.index))
    .slice(0, count)
    .map(({ index }) => index)
    .sort((a, b) => b - a)
    .map((index) => `#hist[${index}], #ids[${index}]`)
    .join(", ");
}

/** Map a stored item back to the policy's view of it. */
export function stateFromItem(item: Record<string, unknown>): AddressState {
  const counts = Object.fromEntries(
    COUNTERS.map((counter) => [counter, Number(item[ATTRIBUTES.counts[counter]] ?? 0)]),
  ) as Record<Counter, number>;
  const suppression = item[ATTRIBUTES.suppression] as Suppression | undefined;
  const updatedAt = item[ATTRIBUTES.updatedAt];
  // A string here is the retained marker of a suppressed item, not an expiry.
  const expiresAt = item[TABLE_SCHEMA.ttlAttribute];
  const retained = item[ATTRIBUTES.retained] !== undefined;
  const reactivatedAt = item[ATTRIBUTES.reactivatedAt];
  const audit = item[ATTRIBUTES.audit] as AuditEntry[] | undefined;
  const window = windowFromItem(item);
  const windowFailure = item[WINDOW_ATTRIBUTES.failure];
  return {
    address: String(item[TABLE_SCHEMA.partitionKey]),
    history: ((item[ATTRIBUTES.history] as (string | Record<string, string>)[] | undefined) ?? []).map(
      (stored, index) => decodeEntry(stored, (item[ATTRIBUTES.eventIds] as string[] | undefined)?.[index]),
    ),
    counts,
    ...(suppression !== undefined ? { suppression } : {}),
    ...(typeof updatedAt === "string" ? { updatedAt } : {}),
    ...(typeof expiresAt === "number" ? { expiresAt } : {}),
    ...(retained ? { retained } : {}),
    ...(typeof reactivatedAt === "string" ? { reactivatedAt } : {}),
    ...(audit !== undefined ? { audit } : {}),
    ...(window !== undefined ? { window } : {}),
    ...(typeof windowFailure === "string" ? { windowFailure } : {}),
  };
}

/**
 * Every recipient event is one conditional UpdateItem with no read before it: the event's id is
 * appended to a bounded list on the item and the write is conditioned on the id not being there,
 * so a duplicate or a retried batch changes nothing. The item returned by the write is assessed
 * with the pure policy; only when that shows a soft-bounce streak at the threshold (once in an
 * address's life) or a history over its limit does a second write follow.
 */
export class DynamoDbSuppressionStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly config: PolicyConfig,
    private readonly keys: AddressKeys = PLAIN_KEYS,
    /** Retry windows are kept on the items only when a scheduler runs them. */
    private readonly windows?: RetryWindowConfig,
  ) {}

  /** In keyed mode nothing written may carry the address: diagnostics often quote it. */
  private scrub(
    decision: Exclude<Decision, { kind: "none" }>,
    address: string,
  ): Exclude<Decision, { kind: "none" }> {
    if (!this.keys.keyed) return decision;
    const clean = <T extends { diagnostic?: string }>(value: T): T =>
      value.diagnostic === undefined
        ? value
        : { ...value, diagnostic: withoutAddress(value.diagnostic, address) };
    return decision.kind === "suppress"
      ? { ...decision, entry: clean(decision.entry), suppression: clean(decision.suppression) }
      : { ...decision, entry: clean(decision.entry) };
  }

  async apply(address: string, decision: Decision, now: Date): Promise<ApplyResult> {
    if (decision.kind === "none") {
      return { kind: "skipped", why: decision.why };
    }
    const key = this.keys.keyOf(address);
    const scrubbed = this.scrub(decision, address);
    const deferring = this.windows !== undefined && defers(decision, this.config);
    const written =
      scrubbed.kind === "suppress"
        ? await this.writeSuppression(key, scrubbed, now)
        : await this.writeRecord(key, scrubbed, now, deferring);
    if (written === undefined) {
      // A duplicate. If an earlier attempt crashed between its write and retaining a threshold
      // suppression, or before starting the window its write opened, finish that work now;
      // otherwise there is nothing to do.
      const state =
        (decision.kind === "record" && decision.mayReachThreshold) || deferring
          ? await this.get(address)
          : undefined;
      if (state === undefined) return { kind: "duplicate", promoted: false };
      return {
        kind: "duplicate",
        ...(await this.settle(address, state, now, deferring ? decision : undefined)),
      };
    }
    return {
      kind: "applied",
      ...(await this.settle(address, written, now, deferring ? decision : undefined)),
    };
  }

  /** After the event's write (or the read of a duplicate): the follow-up writes, then the answer. */
  private async settle(address: string, state: AddressState, now: Date, deferring: Decision | undefined) {
    const finished = await this.finish(state, now);
    const final = finished.state ?? state;
    const assessment = assess(final, this.config, now);
    const windows = await this.repairWindow(address, final, assessment, now, deferring);
    return { assessment, promoted: finished.retainedNow, ...windows };
  }

  /**
   * After a write: the follow-up the window needs (rare, see `repairOf`); the execution to start
   * when this deferring event opened the window (its time is the window's start) or a stale window
   * was replaced; and the execution of a window closed or replaced here, which can be stopped at
   * once instead of finding the window gone at its next wake-up. Starting is idempotent by
   * execution name, so a duplicate or a retried record asks again safely.
   */
  private async repairWindow(
    address: string,
    state: AddressState,
    assessment: Assessment,
    now: Date,
    deferring: Decision | undefined,
  ): Promise<{ window?: WindowStart; stopWindow?: string }> {
    const config = this.windows;
    if (config === undefined) return {};
    const key = state.address;
    const repair = repairOf(state.window, assessment, now, config);
    let window: StoredWindow | undefined = state.window;
    switch (repair.kind) {
      case "close": {
        const closed = await this.update(key, {
          UpdateExpression: `REMOVE ${REMOVE_WINDOW}`,
          ConditionExpression: "#wS = :start",
          values: { ":start": repair.start },
        });
        return closed === undefined ? {} : { stopWindow: executionName(key, repair.start) };
      }
      case "replace": {
        const replaced = await this.update(key, {
          UpdateExpression:
            "SET #wS = :wS, #wE = :wE, #wD = :wD, #wR = :never, #wN = :wN, #wP = :zero REMOVE #wF",
          ConditionExpression: "#wS = :previous",
          values: {
            ":wS": repair.window.start,
            ":wE": repair.window.end,
            ":wD": repair.window.due,
            ":wN": repair.window.reason,
            ":never": NEVER_RELEASED,
            ":zero": 0,
            ":previous": repair.previousStart,
          },
        });
        if (replaced?.window === undefined) return {};
        return {
          window: windowStartOf(key, address, replaced.window, config),
          stopWindow: executionName(key, repair.previousStart),
        };
      }
      case "move-due": {
        const moved = await this.update(key, {
          UpdateExpression: "SET #wD = :due, #wN = :reason",
          ConditionExpression: "#wS = :start AND #wD = :from",
          values: {
            ":due": repair.due,
            ":reason": repair.reason,
            ":start": repair.start,
            ":from": repair.from,
          },
        });
        if (moved !== undefined) window = moved.window;
        break;
      }
      case "keep":
        break;
    }
    if (deferring === undefined || deferring.kind === "none" || window === undefined) return {};
    return window.start === deferring.entry.at ? { window: windowStartOf(key, address, window, config) } : {};
  }

  async get(address: string): Promise<AddressState | undefined> {
    const result = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall({ [TABLE_SCHEMA.partitionKey]: this.keys.keyOf(address) }),
        ConsistentRead: true,
      }),
    );
    return result.Item !== undefined ? stateFromItem(unmarshall(result.Item)) : undefined;
  }

  /**
   * An operator's suppression: kept as the snapshot unless one is already there (the earlier
   * suppression then stays the answer), with the action in the audit list either way. `counts`
   * (an import restoring an export) are set only on counters the item does not have yet.
   */
  async suppressManually(
    address: string,
    suppression: Suppression,
    audit: AuditEntry,
    counts: Readonly<Partial<Record<Counter, number>>> = {},
  ): Promise<AddressState> {
    const restored = COUNTERS.filter((counter) => (counts[counter] ?? 0) > 0);
    const countValues = Object.fromEntries(restored.map((counter) => [`:${counter}Count`, counts[counter]]));
    const countClause = restored
      .map(
        (counter) =>
          `, ${ATTRIBUTES.counts[counter]} = if_not_exists(${ATTRIBUTES.counts[counter]}, :${counter}Count)`,
      )
      .join("");
    const updated = await this.update(this.keys.keyOf(address), {
      UpdateExpression:
        "SET #sup = if_not_exists(#sup, :sup), #retained = :retained, #ttl = :retained, " +
        `#audit = list_append(if_not_exists(#audit, :empty), :audit), #updated = :now${countClause}`,
      values: {
        ":sup": suppression,
        ":retained": RETAINED,
        ":audit": [audit],
        ":empty": [],
        ":now": audit.at,
        ...countValues,
      },
    });
    if (updated === undefined) throw new Error("DynamoDB returned no item for an unconditional update");
    return updated;
  }

  /**
   * Reactivate an address: the snapshot goes, counters restart, and events up to now stop
   * counting (the history stays, for "why"). Conditioned on the item being exactly as the caller
   * read it (same last write and same number of events), so a complaint landing in between is
   * never overwritten; undefined when it changed.
   */
  async reactivate(
    address: string,
    seen: AddressState | undefined,
    audit: AuditEntry,
    now: Date,
  ): Promise<AddressState | undefined> {
    const resets = COUNTERS.map((counter) => `${ATTRIBUTES.counts[counter]} = :zero`).join(", ");
    const unchanged =
      seen?.updatedAt === undefined
        ? "attribute_not_exists(#updated)"
        : `#updated = :seen AND ${seen.history.length > 0 ? "size(#ids) = :events" : "attribute_not_exists(#ids)"}`;
    return this.update(this.keys.keyOf(address), {
      UpdateExpression:
        `SET #reactivated = :now, #ttl = :ttl, #updated = :now, ${resets}, ` +
        "#audit = list_append(if_not_exists(#audit, :empty), :audit) " +
        `REMOVE #sup, #retained, ${REMOVE_WINDOW}`,
      ConditionExpression: unchanged,
      values: {
        ":now": now.toISOString(),
        ":ttl": epochSeconds(now) + this.config.historyTtlSeconds,
        ":zero": 0,
        ":audit": [audit],
        ":empty": [],
        ...(seen?.updatedAt !== undefined ? { ":seen": seen.updatedAt } : {}),
        ...(seen?.updatedAt !== undefined && seen.history.length > 0
          ? { ":events": seen.history.length }
          : {}),
      },
    });
  }

  /**
   * Remove what is personal on an address's item: the history (diagnostics quote people), the
   * idempotency ids and the suppression's evidence. A suppressed address keeps a tombstone (the
   * suppression's time, cause and reason) so it stays suppressed; any other item is deleted. In
   * keyed mode the tombstone's key is the HMAC, so nothing readable is left.
   */
  async erase(address: string, audit: AuditEntry, now: Date): Promise<"tombstoned" | "deleted" | "absent"> {
    const state = await this.get(address);
    if (state === undefined) return "absent";
    const assessment = assess(state, this.config, now);
    const key = this.keys.keyOf(address);
    if (assessment.status !== "suppressed" || assessment.suppression === undefined) {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: marshall({ [TABLE_SCHEMA.partitionKey]: key }),
        }),
      );
      return "deleted";
    }
    const { at, by, reason } = assessment.suppression;
    await this.update(key, {
      UpdateExpression:
        "SET #sup = :tombstone, #retained = :retained, #ttl = :retained, #updated = :now, " +
        `#audit = :audit REMOVE #hist, #ids, ${REMOVE_WINDOW}`,
      values: {
        ":tombstone": { at, by, reason },
        ":retained": RETAINED,
        ":now": now.toISOString(),
        // Earlier audit entries may name people in their reasons; only the erase itself is kept.
        ":audit": [audit],
      },
    });
    return "tombstoned";
  }

  /**
   * Every item, a page at a time (Scan), for list and export. With `segment`, only that segment of
   * a parallel scan (DynamoDB's Segment of TotalSegments): callers scanning the segments at once
   * read a large table several pages at a time.
   */
  async *scan(pageSize = 500, segment?: { index: number; of: number }): AsyncGenerator<AddressState[]> {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          Limit: pageSize,
          ...(segment ? { Segment: segment.index, TotalSegments: segment.of } : {}),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      yield (page.Items ?? []).map((item) => stateFromItem(unmarshall(item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  }

  /**
   * Read many addresses: BatchGetItem in requests of at most 100 keys (the API's limit), sent
   * together; unprocessed keys are asked for again with exponential backoff and jitter.
   */
  async getMany(addresses: readonly string[]): Promise<Map<string, AddressState>> {
    const addressOfKey = new Map(addresses.map((address) => [this.keys.keyOf(address), address]));
    const unique = [...addressOfKey.keys()];
    const chunks: string[][] = [];
    for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) {
      chunks.push(unique.slice(start, start + BATCH_GET_LIMIT));
    }
    const found = new Map<string, AddressState>();
    await Promise.all(chunks.map((chunk) => this.batchGet(chunk, found)));
    // Answer by address whatever the keys are: callers never see the keyed form.
    return new Map([...found].map(([key, state]) => [addressOfKey.get(key) ?? key, state]));
  }

  private async batchGet(itemKeys: readonly string[], found: Map<string, AddressState>): Promise<void> {
    let keys = itemKeys.map((key) => marshall({ [TABLE_SCHEMA.partitionKey]: key }));
    for (let attempt = 0; keys.length > 0; attempt += 1) {
      if (attempt > 0) {
        if (attempt > BATCH_GET_ATTEMPTS) {
          throw new Error(
            `DynamoDB left ${keys.length} keys unprocessed after ${BATCH_GET_ATTEMPTS} retries`,
          );
        }
        const delay = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * delay));
      }
      const result = await this.client.send(
        new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }),
      );
      for (const item of result.Responses?.[this.tableName] ?? []) {
        const state = stateFromItem(unmarshall(item));
        found.set(state.address, state);
      }
      keys = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
  }

  private counterClause(counter: Counter | undefined, values: Record<string, unknown>): string {
    if (counter === undefined) return "";
    values[":one"] = 1;
    return ` ADD ${ATTRIBUTES.counts[counter]} :one`;
  }

  private appendClause(entry: HistoryEntry, now: Date, values: Record<string, unknown>): string {
    values[":entry"] = [encodeEntry(entry)];
    values[":idList"] = [storedEventId(entry.id)];
    values[":id"] = storedEventId(entry.id);
    values[":wholeId"] = entry.id;
    values[":empty"] = [];
    values[":now"] = now.toISOString();
    return (
      "#hist = list_append(if_not_exists(#hist, :empty), :entry), " +
      "#ids = list_append(if_not_exists(#ids, :empty), :idList), #updated = :now"
    );
  }

  /**
   * A deferring event opens the retry window unless one is open (if_not_exists keeps the first
   * start, so duplicates and concurrent bounces agree on it) and sets the next due time from its
   * own time; replays of feedback older than a window open none.
   */
  private windowClause(entry: HistoryEntry, now: Date, values: Record<string, unknown>): string {
    const config = this.windows;
    if (config === undefined || !opensWindow(entry.at, now, config)) return "";
    const due = new Date(Date.parse(entry.at) + this.config.retryIntervalSeconds * 1000).toISOString();
    values[":wS"] = entry.at;
    values[":wE"] = new Date(Date.parse(entry.at) + config.retryWindowSeconds * 1000).toISOString();
    values[":wD"] = due;
    values[":wN"] = entry.reason;
    values[":never"] = NEVER_RELEASED;
    values[":zero"] = 0;
    return (
      ", #wS = if_not_exists(#wS, :wS), #wE = if_not_exists(#wE, :wE), " +
      "#wR = if_not_exists(#wR, :never), #wD = :wD, #wN = :wN, #wP = :zero"
    );
  }

  /** Hard bounces, complaints and SES-suppressed addresses: suppressed at once, the first reason kept. */
  private async writeSuppression(
    key: string,
    decision: Extract<Decision, { kind: "suppress" }>,
    now: Date,
  ): Promise<AddressState | undefined> {
    const values: Record<string, unknown> = {
      ":sup": snapshotOf(decision.suppression),
      ":retained": RETAINED,
    };
    const set = this.appendClause(decision.entry, now, values);
    // A suppressed address has nothing to retry: its window (if any) is closed by the follow-up
    // write, which knows the window's start and so the execution to stop.
    return this.update(key, {
      UpdateExpression: `SET #sup = if_not_exists(#sup, :sup), #retained = :retained, #ttl = :retained, ${set}${this.counterClause(decision.counter, values)}`,
      ConditionExpression: NOT_SEEN,
      values,
    });
  }

  /**
   * Everything else: recorded in the history, counted, and given a TTL unless the address is
   * suppressed. `if_not_exists(#retained, :ttl)` makes that choice inside the write: on a
   * suppressed item it copies the marker string, which TTL ignores, so no read is needed.
   */
  private async writeRecord(
    key: string,
    decision: Extract<Decision, { kind: "record" }>,
    now: Date,
    deferring: boolean,
  ): Promise<AddressState | undefined> {
    const values: Record<string, unknown> = { ":ttl": epochSeconds(now) + this.config.historyTtlSeconds };
    const set = this.appendClause(decision.entry, now, values);
    return this.update(key, {
      UpdateExpression: `SET ${set}, #ttl = if_not_exists(#retained, :ttl)${deferring ? this.windowClause(decision.entry, now, values) : ""}${this.counterClause(decision.counter, values)}`,
      ConditionExpression: NOT_SEEN,
      values,
    });
  }

  /**
   * The rare follow-up writes, all idempotent. Retain: the history now shows a suppression (a
   * soft-bounce streak at the threshold) on an item TTL could still delete; and the reverse when a
   * late event shows the streak never reached it. Trim: the history outgrew its limit; the
   * suppression it shows is written as the snapshot in the same write, so dropping entries never
   * forgets why an address is suppressed. `retainedNow` says this event made the address suppressed.
   */
  private async finish(
    state: AddressState,
    now: Date,
  ): Promise<{ state?: AddressState; retainedNow: boolean }> {
    const assessment = assess(state, this.config, now);
    const suppressed = assessment.status === "suppressed" ? assessment.suppression : undefined;
    const retainedNow = suppressed !== undefined && !state.retained;
    const excess = state.history.length - this.config.historyLimit;
    if (excess > 0) {
      const values: Record<string, unknown> = { ":size": state.history.length };
      let set = "";
      if (suppressed !== undefined) {
        set = "SET #sup = :sup, #retained = :retained, #ttl = :retained ";
        values[":sup"] = snapshotOf(suppressed);
        values[":retained"] = RETAINED;
      }
      const paths = trimPaths(state.history, excess + Math.floor(this.config.historyLimit / 2));
      const trimmed = await this.update(state.address, {
        UpdateExpression: `${set}REMOVE ${paths}`,
        ConditionExpression: "size(#ids) = :size",
        values,
      });
      if (trimmed !== undefined) return { state: trimmed, retainedNow };
    }
    if (retainedNow) {
      const retained = await this.update(state.address, {
        UpdateExpression: "SET #retained = :retained, #ttl = :retained",
        values: { ":retained": RETAINED },
      });
      return { ...(retained !== undefined ? { state: retained } : {}), retainedNow };
    }
    if (suppressed === undefined && state.retained === true && state.suppression === undefined) {
      // Retained for a streak that a late delivery (earlier in event time) has since broken.
      // Only if nothing landed since this item was read: a concurrent suppressing event wins.
      const released = await this.update(state.address, {
        UpdateExpression: "SET #ttl = :ttl REMOVE #retained",
        ConditionExpression: "size(#ids) = :events AND attribute_not_exists(#sup)",
        values: {
          ":ttl": epochSeconds(now) + this.config.historyTtlSeconds,
          ":events": state.history.length,
        },
      });
      return { ...(released !== undefined ? { state: released } : {}), retainedNow: false };
    }
    return { retainedNow: false };
  }

  /** One UpdateItem on the item with this key, returning the new item, or undefined when its condition did not hold. */
  private async update(
    key: string,
    request: { UpdateExpression: string; ConditionExpression?: string; values: Record<string, unknown> },
  ): Promise<AddressState | undefined> {
    const expression = `${request.UpdateExpression} ${request.ConditionExpression ?? ""}`;
    const input: UpdateItemCommandInput = {
      TableName: this.tableName,
      Key: marshall({ [TABLE_SCHEMA.partitionKey]: key }),
      UpdateExpression: request.UpdateExpression,
      ExpressionAttributeNames: namesUsedIn(expression, NAMES),
      ExpressionAttributeValues: marshall(request.values, { removeUndefinedValues: true }),
      ReturnValues: "ALL_NEW",
      ...(request.ConditionExpression !== undefined
        ? { ConditionExpression: request.ConditionExpression }
        : {}),
    };
    try {
      const result = await this.client.send(new UpdateItemCommand(input));
      return result.Attributes !== undefined ? stateFromItem(unmarshall(result.Attributes)) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }
}
