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
  counts: {
    hard: "hardCount",
    soft: "softCount",
    block: "blockCount",
    complaint: "complaintCount",
    delivery: "deliveryCount",
  },
} as const;
