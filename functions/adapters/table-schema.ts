// The suppression table's key and attribute names: the one place the store and the stack share.

export const TABLE_SCHEMA = {
  /** Partition key: the normalised address. */
  partitionKey: "pk",
  /**
   * TTL attribute: epoch seconds while the address is not suppressed; on suppressed items it holds
   * a string, which DynamoDB's TTL process ignores (it deletes only items whose TTL is a Number).
   */
  ttlAttribute: "expiresAt",
} as const;

/** Item attribute names, short because they are repeated in every expression and item. */
export const ATTRIBUTES = {
  suppression: "sup",
  history: "hist",
  eventIds: "ids",
  updatedAt: "updatedAt",
  /** Present (value "suppressed") once an address is suppressed; pins the TTL attribute to it. */
  retained: "retained",
  reactivatedAt: "reactivatedAt",
  audit: "audit",
  /** A number raised by every write but the state machine's: follow-up writes are conditioned on it. */
  version: "v",
  /** Ids of events trimmed from the history, kept for the duplicate horizon (functions/core/retired-ids.ts). */
  retiredIds: "rid",
  /** A suppression still to be put on the SES account-level list (BOUNCE or COMPLAINT). */
  sesPut: "sp",
  /** Present while a mirrored deferral is still to be removed from the SES account-level list. */
  sesRemove: "sr",
  /** The spelling first sent, when it differs from the case-folded key (plain mode only). */
  spelling: "addr",
  counts: {
    hard: "hardCount",
    soft: "softCount",
    block: "blockCount",
    complaint: "complaintCount",
    delivery: "deliveryCount",
  },
} as const;
