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
import { mergeStates } from "../core/merge-states.ts";
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
  suppressionCounts,
} from "../core/policy.ts";
import { DUPLICATE_HORIZON_SECONDS, retire, retiredIdOf } from "../core/retired-ids.ts";
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
import { sesReasonAfterWrite, sesReasonOfDecision } from "../core/ses-list.ts";
import type { SesListReason } from "../core/types.ts";
import { decodeEntry, encodeEntry } from "./history-entry.ts";
import { ATTRIBUTES, TABLE_SCHEMA } from "./table-schema.ts";

/** SES account-list work an item says is still to be done (see `settleSes`). */
export interface PendingSes {
  /** Put the address on the list with this reason (the sync), if it is still due. */
  readonly put?: SesListReason;
  /** Remove the address's mirrored deferral from the list. */
  readonly remove?: boolean;
}

export type ApplyResult =
  | {
      readonly kind: "applied";
      readonly assessment: Assessment;
      readonly promoted: boolean;
      /** A retry window this event opened: its execution is to be started (idempotently). */
      readonly window?: WindowStart;
      /** The execution of a window this event closed or replaced: it can be stopped now. */
      readonly stopWindow?: string;
      /** SES list work the item holds, from this event or an earlier attempt that did not finish. */
      readonly ses?: PendingSes;
    }
  /** Already applied. The assessment is known only when the store had to read the item. */
  | {
      readonly kind: "duplicate";
      readonly assessment?: Assessment;
      readonly promoted: boolean;
      readonly window?: WindowStart;
      readonly stopWindow?: string;
      readonly ses?: PendingSes;
    }
  | { readonly kind: "skipped"; readonly why: string };

/** Settings of the store beyond the policy. */
export interface StoreOptions {
  /** How long the ids of trimmed events are remembered. @default DUPLICATE_HORIZON_SECONDS */
  readonly duplicateHorizonSeconds?: number;
}

/** What the caller does with SES's account-level list, so the store marks the work in the event's write. */
export interface SesListWork {
  /**
   * The sync is on: our own hard bounces and complaints are marked for SES's list in the event's own
   * write (`ApplyResult.ses.put`), cleared by `settleSes` once SES has them. A crash or an SES
   * failure between the two leaves the mark, and the redelivery (or the address's next event) puts
   * it again, so the list catches up eventually.
   */
  readonly sync?: boolean;
  /**
   * The deferral mirror is on: a window a delivery closes marks the mirrored deferral for removal
   * (`ApplyResult.ses.remove`), cleared by `settleSes` once SES no longer holds it.
   */
  readonly mirror?: boolean;
}

/** One address as read from both its keys, with each item's version for the writes that follow. */
export interface StoredAddress {
  /** The address as one state, what answers and commands are computed from. */
  readonly state?: AddressState;
  /** The case-folded key's item and, when the spelling differs, the item an older version keyed by it. */
  readonly items: readonly { readonly key: string; readonly state?: AddressState }[];
}

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
  "#v": ATTRIBUTES.version,
  "#rid": ATTRIBUTES.retiredIds,
  "#sp": ATTRIBUTES.sesPut,
  "#sr": ATTRIBUTES.sesRemove,
  "#spelling": ATTRIBUTES.spelling,
  ...WINDOW_NAMES,
};

/** Follow-up writes tried before giving up on an item other writers keep changing. */
const FOLLOW_UP_ATTEMPTS = 6;
/** Erasures tried before giving up on an item that changes under every attempt. */
const ERASE_ATTEMPTS = 6;

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
// NOT binds tighter than AND, and AND than OR: "(no list, or neither form in it) and not retired",
// distributed over the OR. Written without nested parentheses: dynalite's expression parser (`npm
// start` and every test) backtracks over them; the nested form halved the chaos replay's rate
// before that replay memoized its parses. `contains` on an absent retired list is false.
const NOT_SEEN =
  "attribute_not_exists(#ids) AND NOT contains(#rid, :rid) OR " +
  "NOT contains(#ids, :id) AND NOT contains(#ids, :wholeId) AND NOT contains(#rid, :rid)";

/** The condition a write that follows a read puts on the item: nothing else wrote it since. */
function unchangedSince(state: AddressState | undefined, values: Record<string, unknown>): string {
  if (state === undefined) return "attribute_not_exists(#pk)";
  if (state.version === undefined) return "attribute_exists(#pk) AND attribute_not_exists(#v)";
  values[":seenVersion"] = state.version;
  return "#v = :seenVersion";
}

/** Every write but the state machine's raises the item's version (see `unchangedSince`). */
function bumpingVersion(expression: string, values: Record<string, unknown>): string {
  values[":one"] = 1;
  const add = expression.indexOf("ADD ");
  return add === -1
    ? `${expression} ADD #v :one`
    : `${expression.slice(0, add)}ADD #v :one, ${expression.slice(add + "ADD ".length)}`;
}

/** A follow-up write that also marks an SES put (`#sp`); the mark alone when there is no other follow-up. */
function withSesMark(
  followUp: { UpdateExpression: string; values: Record<string, unknown> } | undefined,
  put: SesListReason | undefined,
): { UpdateExpression: string; values: Record<string, unknown> } | undefined {
  if (put === undefined) return followUp;
  const values = { ...followUp?.values, ":markedPut": put };
  const expression = followUp?.UpdateExpression ?? "";
  return {
    UpdateExpression: expression.startsWith("SET ")
      ? `SET #sp = :markedPut, ${expression.slice("SET ".length)}`
      : `SET #sp = :markedPut ${expression}`.trim(),
    values,
  };
}

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
 * The indexes of the `count` entries trimming drops: those that cannot change an assessment first,
 * then the oldest by event time (not arrival). Highest index first: DynamoDB resolves every index
 * against the list before the update, and descending order keeps emulators that remove one by
 * one correct too. The ids list is trimmed at the same indexes, so it stays aligned with the history.
 */
function trimIndexes(history: readonly HistoryEntry[], count: number): number[] {
  return history
    .map((entry, index) => ({ index, weight: affectsPolicy(entry) ? 1 : 0, at: entry.at }))
    .sort((a, b) => a.weight - b.weight || (a.at < b.at ? -1 : a.at > b.at ? 1 : a.index - b.index))
    .slice(0, count)
    .map(({ index }) => index)
    .sort((a, b) => b - a);
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
  const version = item[ATTRIBUTES.version];
  const retiredIds = item[ATTRIBUTES.retiredIds];
  const sesPut = item[ATTRIBUTES.sesPut];
  const spelling = item[ATTRIBUTES.spelling];
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
    ...(typeof version === "number" ? { version } : {}),
    ...(typeof retiredIds === "string" ? { retiredIds } : {}),
    ...(sesPut === "BOUNCE" || sesPut === "COMPLAINT" ? { sesPut } : {}),
    ...(item[ATTRIBUTES.sesRemove] !== undefined ? { sesRemove: true } : {}),
    ...(typeof spelling === "string" ? { spelling } : {}),
  };
}

function pendingSesOf(state: AddressState): PendingSes | undefined {
  if (state.sesPut === undefined && state.sesRemove !== true) return undefined;
  return {
    ...(state.sesPut !== undefined ? { put: state.sesPut } : {}),
    ...(state.sesRemove === true ? { remove: true } : {}),
  };
}

/**
 * Every recipient event is one conditional UpdateItem with no read before it: the event's id is
 * appended to a bounded list on the item and the write is conditioned on the id not being there (nor
 * among the ids trimmed within the duplicate horizon), so a duplicate or a retried batch changes
 * nothing. The item returned by the write is assessed with the pure policy; only when that shows a
 * soft-bounce streak at the threshold (once in an address's life), a history over its limit, or a
 * stored suppression that no longer counts does a second write follow, conditioned on the version
 * the first one returned.
 *
 * Items are keyed by the case-folded address (or its HMAC); readers also look under the key older
 * versions used, the spelling as sent, and see both items as one address (`read`).
 */
export class DynamoDbSuppressionStore {
  private readonly options: StoreOptions;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly config: PolicyConfig,
    private readonly keys: AddressKeys = PLAIN_KEYS,
    /** Retry windows are kept on the items only when a scheduler runs them. */
    private readonly windows?: RetryWindowConfig,
    options: StoreOptions = {},
  ) {
    this.options = options;
  }

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

  /** The spelling to keep for display on an item keyed by the folded form; never in keyed mode. */
  private spellingOf(address: string, key: string): string | undefined {
    return !this.keys.keyed && address !== key ? address : undefined;
  }

  async apply(address: string, decision: Decision, now: Date, ses: SesListWork = {}): Promise<ApplyResult> {
    if (decision.kind === "none") {
      return { kind: "skipped", why: decision.why };
    }
    const key = this.keys.keyOf(address);
    const scrubbed = this.scrub(decision, address);
    const deferring = this.windows !== undefined && defers(decision, this.config);
    const sesPut = ses.sync === true ? sesReasonOfDecision(decision) : undefined;
    const spelling = this.spellingOf(address, key);
    const written =
      scrubbed.kind === "suppress"
        ? await this.writeSuppression(key, scrubbed, now, sesPut, spelling)
        : await this.writeRecord(key, scrubbed, now, deferring, spelling);
    if (written === undefined) {
      // A duplicate. If an earlier attempt stopped between its write and the work after it (retaining
      // a threshold suppression, releasing a late bounce's stale snapshot, starting the window its
      // write opened, putting the address on SES's list, closing a window a delivery ended), finish
      // that work now; otherwise there is nothing to do.
      const closesWindows =
        this.windows !== undefined && decision.kind === "record" && decision.counter === "delivery";
      // A suppressing event's follow-up can matter too: releasing the item when the event came
      // dated before a reactivation, or putting the address on SES's list.
      const needsRead =
        (decision.kind === "record" && decision.mayReachThreshold) ||
        decision.kind === "suppress" ||
        deferring ||
        closesWindows;
      const state = needsRead ? await this.getItem(key) : undefined;
      if (state === undefined) return { kind: "duplicate", promoted: false };
      return { kind: "duplicate", ...(await this.settle(address, state, now, decision, deferring, ses)) };
    }
    return { kind: "applied", ...(await this.settle(address, written, now, decision, deferring, ses)) };
  }

  /** After the event's write (or the read of a duplicate): the follow-up writes, then the answer. */
  private async settle(
    address: string,
    state: AddressState,
    now: Date,
    decision: Decision,
    deferring: boolean,
    ses: SesListWork,
  ) {
    // A confirmation shows only on the written item: its put is marked by the follow-up write.
    const putAfterWrite =
      ses.sync === true
        ? (item: AddressState) => sesReasonAfterWrite(decision, item, this.config)
        : undefined;
    const finished = await this.finish(state, now, putAfterWrite);
    const assessment = assess(finished.state, this.config, now);
    const { final, ...windows } = await this.repairWindow(
      address,
      finished.state,
      assessment,
      now,
      deferring ? decision : undefined,
      ses.mirror === true,
    );
    const pending = pendingSesOf(final);
    return {
      assessment,
      promoted: finished.retainedNow,
      ...windows,
      ...(pending !== undefined ? { ses: pending } : {}),
    };
  }

  /**
   * After a write: the follow-up the window needs (rare, see `repairOf`); the execution to start
   * when this deferring event opened the window (its time is the window's start) or a stale window
   * was replaced; and the execution of a window closed or replaced here, which can be stopped at
   * once instead of finding the window gone at its next wake-up. Starting is idempotent by
   * execution name, so a duplicate or a retried record asks again safely. A window a delivery closes
   * with the deferral mirror on marks its SES entry for removal in the same write.
   */
  private async repairWindow(
    address: string,
    state: AddressState,
    assessment: Assessment,
    now: Date,
    deferring: Decision | undefined,
    mirror: boolean,
  ): Promise<{ window?: WindowStart; stopWindow?: string; final: AddressState }> {
    const config = this.windows;
    if (config === undefined) return { final: state };
    const key = state.address;
    const repair = repairOf(state.window, assessment, now, config);
    let window: StoredWindow | undefined = state.window;
    let final = state;
    switch (repair.kind) {
      case "close": {
        // Suppressed, SES may rightly hold the address (the sync); otherwise its deferral is over.
        const forget = mirror && assessment.status !== "suppressed";
        const closed = await this.update(key, {
          UpdateExpression: `${forget ? "SET #sr = :yes " : ""}REMOVE ${REMOVE_WINDOW}`,
          ConditionExpression: "#wS = :start",
          values: { ":start": repair.start, ...(forget ? { ":yes": true } : {}) },
        });
        return closed === undefined
          ? { final }
          : { stopWindow: executionName(key, repair.start), final: closed };
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
        if (replaced?.window === undefined) return { final };
        return {
          window: windowStartOf(key, address, replaced.window, config),
          stopWindow: executionName(key, repair.previousStart),
          final: replaced,
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
        if (moved !== undefined) {
          window = moved.window;
          final = moved;
        }
        break;
      }
      case "keep":
        break;
    }
    if (deferring === undefined || deferring.kind === "none" || window === undefined) return { final };
    return window.start === deferring.entry.at
      ? { window: windowStartOf(key, address, window, config), final }
      : { final };
  }

  /** The address as one state, from its case-folded key and the key older versions used (`read`). */
  async get(address: string): Promise<AddressState | undefined> {
    return (await this.read(address)).state;
  }

  /**
   * Both items of an address, read consistently: the one under the case-folded key and, when the
   * spelling differs from it, the one an older version keyed by the spelling. Commands that write
   * after reading pass this back, so each write is conditioned on the item being as it was read.
   */
  async read(address: string): Promise<StoredAddress> {
    const key = this.keys.keyOf(address);
    const legacyKey = this.keys.legacyKeyOf(address);
    const [current, legacy] = await Promise.all([
      this.getItem(key),
      legacyKey !== undefined ? this.getItem(legacyKey) : Promise.resolve(undefined),
    ]);
    return {
      state: mergeStates(current, legacy),
      items: [
        { key, ...(current !== undefined ? { state: current } : {}) },
        ...(legacyKey !== undefined
          ? [{ key: legacyKey, ...(legacy !== undefined ? { state: legacy } : {}) }]
          : []),
      ],
    };
  }

  private async getItem(key: string): Promise<AddressState | undefined> {
    const result = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: marshall({ [TABLE_SCHEMA.partitionKey]: key }),
        ConsistentRead: true,
      }),
    );
    return result.Item !== undefined ? stateFromItem(unmarshall(result.Item)) : undefined;
  }

  /**
   * An operator's suppression: kept as the snapshot unless one that still counts is already there
   * (the earlier suppression then stays the answer), with the action in the audit list either way.
   * `counts` (an import restoring an export) are set only on counters the item does not have yet.
   */
  async suppressManually(
    address: string,
    suppression: Suppression,
    audit: AuditEntry,
    counts: Readonly<Partial<Record<Counter, number>>> = {},
  ): Promise<AddressState> {
    const key = this.keys.keyOf(address);
    const spelling = this.spellingOf(address, key);
    const restored = COUNTERS.filter((counter) => (counts[counter] ?? 0) > 0);
    const values: Record<string, unknown> = {
      ":sup": suppression,
      ":retained": RETAINED,
      ":audit": [audit],
      ":empty": [],
      ":now": audit.at,
      ...(spelling !== undefined ? { ":spelling": spelling } : {}),
      ...Object.fromEntries(restored.map((counter) => [`:${counter}Count`, counts[counter]])),
    };
    const spellingClause = spelling !== undefined ? ", #spelling = if_not_exists(#spelling, :spelling)" : "";
    const countClause = restored
      .map(
        (counter) =>
          `, ${ATTRIBUTES.counts[counter]} = if_not_exists(${ATTRIBUTES.counts[counter]}, :${counter}Count)`,
      )
      .join("");
    const updated = await this.update(key, {
      UpdateExpression: bumpingVersion(
        "SET #sup = if_not_exists(#sup, :sup), #retained = :retained, #ttl = :retained, " +
          `#audit = list_append(if_not_exists(#audit, :empty), :audit), #updated = :now${spellingClause}${countClause}`,
        values,
      ),
      values,
    });
    if (updated === undefined) throw new Error("DynamoDB returned no item for an unconditional update");
    // A snapshot a late bounce wrote after a reactivation does not count, so if_not_exists kept the
    // wrong one: replace it with the operator's (rare; conditioned on nothing having changed since).
    let state = updated;
    for (let attempt = 0; attempt < FOLLOW_UP_ATTEMPTS; attempt += 1) {
      if (state.suppression === undefined || suppressionCounts(state.suppression, state.reactivatedAt)) break;
      const replaceValues: Record<string, unknown> = { ":sup": suppression };
      const replaced = await this.update(key, {
        UpdateExpression: bumpingVersion("SET #sup = :sup", replaceValues),
        ConditionExpression: unchangedSince(state, replaceValues),
        values: replaceValues,
      });
      if (replaced !== undefined) return (await this.mergedWithLegacy(address, replaced)) ?? replaced;
      state = (await this.getItem(key)) ?? state;
    }
    return (await this.mergedWithLegacy(address, state)) ?? state;
  }

  /** An item of the folded key seen together with the legacy spelling's item, if there is one. */
  private async mergedWithLegacy(address: string, current: AddressState): Promise<AddressState | undefined> {
    const legacyKey = this.keys.legacyKeyOf(address);
    if (legacyKey === undefined) return current;
    return mergeStates(current, await this.getItem(legacyKey));
  }

  /**
   * Reactivate an address: the snapshot goes, counters restart, and events up to now stop
   * counting, late arrivals dated before it included (the history stays, for "why"). Each item the
   * address is stored under is written, conditioned on its version being the one `seen` read, so a
   * complaint landing in between is never overwritten; undefined when something changed.
   */
  async reactivate(
    _address: string,
    seen: StoredAddress,
    audit: AuditEntry,
    now: Date,
  ): Promise<AddressState | undefined> {
    const resets = COUNTERS.map((counter) => `${ATTRIBUTES.counts[counter]} = :zero`).join(", ");
    const written: (AddressState | undefined)[] = [];
    const items = seen.items.filter((item, index) => index === 0 || item.state !== undefined);
    for (const item of items) {
      const values: Record<string, unknown> = {
        ":now": now.toISOString(),
        ":ttl": epochSeconds(now) + this.config.historyTtlSeconds,
        ":zero": 0,
        ":audit": [audit],
        ":empty": [],
      };
      // A pending SES put belongs to a suppression that no longer counts; a pending removal stays.
      const updated = await this.update(item.key, {
        UpdateExpression: bumpingVersion(
          `SET #reactivated = :now, #ttl = :ttl, #updated = :now, ${resets}, ` +
            "#audit = list_append(if_not_exists(#audit, :empty), :audit) " +
            `REMOVE #sup, #retained, #sp, ${REMOVE_WINDOW}`,
          values,
        ),
        ConditionExpression: unchangedSince(item.state, values),
        values,
      });
      if (updated === undefined) return undefined;
      written.push(updated);
    }
    return mergeStates(written[0], written[1]);
  }

  /**
   * Remove what is personal on an address's items: the history (diagnostics quote people), the
   * suppression's evidence and earlier audit entries. A suppressed address keeps a tombstone under
   * its case-folded key (the suppression's time, cause and reason, and the ids of its events for the
   * duplicate horizon, so a redelivery cannot bring the history back) so it stays suppressed; any
   * other item is deleted, and so is the item an older version keyed by the spelling. In keyed
   * mode the tombstone's key is the HMAC, so nothing readable is left. Each write is conditioned on
   * the item being as read, and the whole is tried again when one was not: feedback landing in
   * between (a complaint, say) is never lost.
   */
  async erase(address: string, audit: AuditEntry, now: Date): Promise<"tombstoned" | "deleted" | "absent"> {
    for (let attempt = 0; attempt < ERASE_ATTEMPTS; attempt += 1) {
      const seen = await this.read(address);
      if (seen.state === undefined) return "absent";
      const assessment = assess(seen.state, this.config, now);
      const suppression = assessment.status === "suppressed" ? assessment.suppression : undefined;
      let unchanged = true;
      for (const [index, item] of seen.items.entries()) {
        const tombstone = index === 0 && suppression !== undefined;
        if (tombstone) {
          const { at, by, reason } = suppression;
          const retiredIds = retire(
            item.state?.retiredIds,
            seen.state.history.map((entry) => storedEventId(entry.id)),
            now,
            this.horizonSeconds(),
          );
          const values: Record<string, unknown> = {
            ":tombstone": { at, by, reason },
            ":retained": RETAINED,
            ":now": now.toISOString(),
            // Earlier audit entries may name people in their reasons; only the erase itself is kept.
            ":audit": [audit],
            ...(retiredIds !== undefined ? { ":rid": retiredIds } : {}),
          };
          const written = await this.update(item.key, {
            UpdateExpression: bumpingVersion(
              "SET #sup = :tombstone, #retained = :retained, #ttl = :retained, #updated = :now, " +
                `#audit = :audit${retiredIds !== undefined ? ", #rid = :rid" : ""} ` +
                `REMOVE #hist, #ids, #reactivated, #sp, #sr, #spelling, ${REMOVE_WINDOW}`,
              values,
            ),
            ConditionExpression: unchangedSince(item.state, values),
            values,
          });
          unchanged &&= written !== undefined;
        } else if (item.state !== undefined) {
          unchanged &&= await this.deleteIfUnchanged(item.key, item.state);
        }
        if (!unchanged) break;
      }
      if (unchanged) return suppression !== undefined ? "tombstoned" : "deleted";
    }
    throw new Error(
      `the item of ${this.keys.keyed ? "this address" : address} changed under each of ${ERASE_ATTEMPTS} attempts to erase it; run erase again`,
    );
  }

  private async deleteIfUnchanged(key: string, state: AddressState): Promise<boolean> {
    const values: Record<string, unknown> = {};
    const condition = unchangedSince(state, values);
    const expression = `${condition}`;
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: marshall({ [TABLE_SCHEMA.partitionKey]: key }),
          ConditionExpression: condition,
          ExpressionAttributeNames: namesUsedIn(expression, NAMES),
          ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: marshall(values) } : {}),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Record that SES-list work an item held is done: the put (only if the item still asks for that
   * reason, so a newer one is not lost) or the removal. Resolves to whether SES should keep a put
   * just made: false when the mark was gone because a reactivation (or an erase) got there between
   * the write and the put, and the address is no longer suppressed.
   */
  async settleSes(address: string, done: PendingSes, now: Date): Promise<boolean> {
    const key = this.keys.keyOf(address);
    if (done.remove === true) {
      await this.update(key, {
        UpdateExpression: "REMOVE #sr",
        ConditionExpression: "attribute_exists(#sr)",
        values: {},
      });
    }
    if (done.put === undefined) return true;
    const cleared = await this.update(key, {
      UpdateExpression: "REMOVE #sp",
      ConditionExpression: "#sp = :put",
      values: { ":put": done.put },
    });
    if (cleared !== undefined) return true;
    return assess(await this.get(address), this.config, now).status === "suppressed";
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
   * together; unprocessed keys are asked for again with exponential backoff and jitter. Every
   * address given gets its answer (two spellings of one address get the same one), read from its
   * case-folded key and, for a spelling that differs from it, the key older versions used.
   */
  async getMany(addresses: readonly string[]): Promise<Map<string, AddressState>> {
    const plans = addresses.map((address) => ({
      address,
      key: this.keys.keyOf(address),
      legacyKey: this.keys.legacyKeyOf(address),
    }));
    const unique = [
      ...new Set(
        plans.flatMap((plan) => (plan.legacyKey !== undefined ? [plan.key, plan.legacyKey] : [plan.key])),
      ),
    ];
    const chunks: string[][] = [];
    for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) {
      chunks.push(unique.slice(start, start + BATCH_GET_LIMIT));
    }
    const found = new Map<string, AddressState>();
    await Promise.all(chunks.map((chunk) => this.batchGet(chunk, found)));
    // Answer by address whatever the keys are: callers never see the keyed form.
    const answers = new Map<string, AddressState>();
    for (const plan of plans) {
      const state = mergeStates(
        found.get(plan.key),
        plan.legacyKey !== undefined ? found.get(plan.legacyKey) : undefined,
      );
      if (state !== undefined) answers.set(plan.address, state);
    }
    return answers;
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

  private horizonSeconds(): number {
    return this.options.duplicateHorizonSeconds ?? DUPLICATE_HORIZON_SECONDS;
  }

  private counterClause(counter: Counter | undefined, values: Record<string, unknown>): string {
    values[":one"] = 1;
    return counter === undefined ? " ADD #v :one" : ` ADD #v :one, ${ATTRIBUTES.counts[counter]} :one`;
  }

  private appendClause(
    entry: HistoryEntry,
    now: Date,
    spelling: string | undefined,
    values: Record<string, unknown>,
  ): string {
    values[":entry"] = [encodeEntry(entry)];
    values[":idList"] = [storedEventId(entry.id)];
    values[":id"] = storedEventId(entry.id);
    values[":wholeId"] = entry.id;
    values[":rid"] = retiredIdOf(storedEventId(entry.id));
    values[":empty"] = [];
    values[":now"] = now.toISOString();
    if (spelling !== undefined) values[":spelling"] = spelling;
    return (
      "#hist = list_append(if_not_exists(#hist, :empty), :entry), " +
      "#ids = list_append(if_not_exists(#ids, :empty), :idList), #updated = :now" +
      (spelling !== undefined ? ", #spelling = if_not_exists(#spelling, :spelling)" : "")
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

  /**
   * Hard bounces, complaints and SES-suppressed addresses: suppressed at once, the first reason
   * kept. With the SES sync on, our own are marked for SES's list in the same write.
   */
  private async writeSuppression(
    key: string,
    decision: Extract<Decision, { kind: "suppress" }>,
    now: Date,
    sesPut: SesListReason | undefined,
    spelling: string | undefined,
  ): Promise<AddressState | undefined> {
    const values: Record<string, unknown> = {
      ":sup": snapshotOf(decision.suppression),
      ":retained": RETAINED,
      ...(sesPut !== undefined ? { ":sesPut": sesPut } : {}),
    };
    const set = this.appendClause(decision.entry, now, spelling, values);
    const mark = sesPut !== undefined ? ", #sp = :sesPut" : "";
    // A suppressed address has nothing to retry: its window (if any) is closed by the follow-up
    // write, which knows the window's start and so the execution to stop.
    return this.update(key, {
      UpdateExpression: `SET #sup = if_not_exists(#sup, :sup), #retained = :retained, #ttl = :retained, ${set}${mark}${this.counterClause(decision.counter, values)}`,
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
    spelling: string | undefined,
  ): Promise<AddressState | undefined> {
    const values: Record<string, unknown> = { ":ttl": epochSeconds(now) + this.config.historyTtlSeconds };
    const set = this.appendClause(decision.entry, now, spelling, values);
    return this.update(key, {
      UpdateExpression: `SET ${set}, #ttl = if_not_exists(#retained, :ttl)${deferring ? this.windowClause(decision.entry, now, values) : ""}${this.counterClause(decision.counter, values)}`,
      ConditionExpression: NOT_SEEN,
      values,
    });
  }

  /**
   * The follow-up a written (or re-read) item needs, if any; all idempotent. Trim: the history
   * outgrew its limit; the suppression it shows is written as the snapshot in the same write, so
   * dropping entries never forgets why an address is suppressed, and the dropped entries' ids move
   * to the retired list for the duplicate horizon. Retain: the history now shows a suppression (a
   * soft-bounce streak at the threshold) on an item TTL could still delete. Release: the item is
   * retained (or holds a snapshot) for a suppression that no longer counts: a late delivery broke
   * the streak, or a late bounce dated before a reactivation wrote its snapshot.
   */
  private followUpOf(
    state: AddressState,
    now: Date,
  ): { UpdateExpression: string; values: Record<string, unknown> } | undefined {
    const assessment = assess(state, this.config, now);
    const suppressed = assessment.status === "suppressed" ? assessment.suppression : undefined;
    const excess = state.history.length - this.config.historyLimit;
    if (excess > 0) {
      const values: Record<string, unknown> = {};
      let set = "";
      if (suppressed !== undefined) {
        set = "SET #sup = :sup, #retained = :retained, #ttl = :retained";
        values[":sup"] = snapshotOf(suppressed);
        values[":retained"] = RETAINED;
      }
      const dropped = trimIndexes(state.history, excess + Math.floor(this.config.historyLimit / 2));
      const retired = retire(
        state.retiredIds,
        dropped.map((index) => storedEventId(state.history[index]?.id ?? "")),
        now,
        this.horizonSeconds(),
      );
      if (retired !== undefined) {
        set = `${set === "" ? "SET" : `${set},`} #rid = :retired`;
        values[":retired"] = retired;
      }
      const paths = dropped.map((index) => `#hist[${index}], #ids[${index}]`).join(", ");
      return { UpdateExpression: `${set} REMOVE ${paths}`.trim(), values };
    }
    if (suppressed !== undefined && !state.retained) {
      return {
        UpdateExpression: "SET #retained = :retained, #ttl = :retained",
        values: { ":retained": RETAINED },
      };
    }
    const staleSnapshot =
      state.suppression !== undefined && !suppressionCounts(state.suppression, state.reactivatedAt);
    if (suppressed === undefined && (state.retained === true || staleSnapshot)) {
      return {
        UpdateExpression: `SET #ttl = :ttl REMOVE #retained${staleSnapshot ? ", #sup" : ""}`,
        values: { ":ttl": epochSeconds(now) + this.config.historyTtlSeconds },
      };
    }
    return undefined;
  }

  /**
   * The rare follow-up write (`followUpOf`), conditioned on the item's version being the one the
   * written or read item had: a concurrent event, a reactivation or an erase in between makes it
   * fail, so it never writes back an old snapshot. `retainedNow` says this event made the address
   * suppressed. `putAfterWrite` (the sync on): an SES put the item shows due (a confirmation) is
   * marked in the same write, or alone; a duplicate marks it again, since a put already made
   * leaves no trace (putting twice is harmless, missing one is not).
   */
  private async finish(
    written: AddressState,
    now: Date,
    putAfterWrite?: (item: AddressState) => SesListReason | undefined,
  ): Promise<{ state: AddressState; retainedNow: boolean }> {
    const first = assess(written, this.config, now);
    const retainedNow = first.status === "suppressed" && !written.retained;
    let state = written;
    for (let attempt = 0; attempt < FOLLOW_UP_ATTEMPTS; attempt += 1) {
      // A put already pending stays: a complaint's is never traded for a bounce.
      const mark = state.sesPut === undefined ? putAfterWrite?.(state) : undefined;
      const followUp = withSesMark(this.followUpOf(state, now), mark);
      if (followUp === undefined) return { state, retainedNow };
      const values = { ...followUp.values };
      const updated = await this.update(state.address, {
        UpdateExpression: bumpingVersion(followUp.UpdateExpression, values),
        ConditionExpression: unchangedSince(state, values),
        values,
      });
      if (updated === undefined) {
        // Another write came in between. Each writer that raises the version either follows up from
        // an item holding this event too (an event's own write and follow-up) or makes the
        // follow-up moot (a reactivation, an erase, an operator's suppression): no read needed.
        // Not so for a put only this event's decision knows of: read again and mark it.
        if (mark === undefined) return { state, retainedNow };
        const current = await this.getItem(state.address);
        if (current === undefined) return { state, retainedNow };
        state = current;
        continue;
      }
      state = updated;
    }
    return { state, retainedNow };
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
      ...(Object.keys(request.values).length > 0
        ? { ExpressionAttributeValues: marshall(request.values, { removeUndefinedValues: true }) }
        : {}),
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
