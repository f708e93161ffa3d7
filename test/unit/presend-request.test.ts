import { describe, expect, it } from "vitest";
import { DEFAULT_CHECKS } from "../../functions/core/address-validation.ts";
import { MAX_ADDRESSES, parseCheckRequest } from "../../functions/core/presend.ts";

/** `count` distinct addresses. */
function addressesOf(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `person-${index}@example.com`);
}

describe("parseCheckRequest: bad input", () => {
  it.each([
    {
      input: "a string payload",
      payload: "someone@example.com",
      code: "invalid-payload",
      message: /JSON object/,
    },
    { input: "a number payload", payload: 42, code: "invalid-payload", message: /JSON object/ },
    {
      input: "an array payload",
      payload: ["someone@example.com"],
      code: "invalid-payload",
      message: /JSON object/,
    },
    { input: "a null payload", payload: null, code: "invalid-payload", message: /JSON object/ },
    { input: "an undefined payload", payload: undefined, code: "invalid-payload", message: /JSON object/ },
    { input: "no addresses at all", payload: {}, code: "no-addresses", message: /give "addresses"/ },
    {
      input: "an empty list",
      payload: { addresses: [] },
      code: "no-addresses",
      message: /"addresses" is empty/,
    },
    {
      input: "addresses that are not an array",
      payload: { addresses: "someone@example.com" },
      code: "invalid-payload",
      message: /"addresses" must be an array/,
    },
    {
      input: `${MAX_ADDRESSES + 1} addresses`,
      payload: { addresses: addressesOf(MAX_ADDRESSES + 1) },
      code: "too-many-addresses",
      message: /at most 1000 addresses per request, got 1001/,
    },
    {
      input: "a number among the addresses",
      payload: { addresses: ["someone@example.com", "other@example.com", 42] },
      code: "invalid-address",
      message: /^addresses\[2\] is number, not a string$/,
    },
    {
      input: "a single address that is not a string",
      payload: { address: { email: "someone@example.com" } },
      code: "invalid-address",
      message: /^address is object, not a string$/,
    },
    {
      input: "an unknown check",
      payload: { addresses: ["someone@example.com"], checks: ["syntax", "spf"] },
      code: "unknown-check",
      message: /unknown check "spf"; known: syntax, disposable, typo, mx/,
    },
    {
      input: "checks that are not an array",
      payload: { addresses: ["someone@example.com"], checks: "syntax" },
      code: "unknown-check",
      message: /"checks" must be an array of syntax, disposable, typo, mx/,
    },
  ])("answers $input with the error code $code and a message", ({ payload, code, message }) => {
    // Act
    const parsed = parseCheckRequest(payload);

    // Assess
    expect(parsed).toEqual({ ok: false, error: { code, message: expect.stringMatching(message) } });
  });
});

describe("parseCheckRequest: accepted shapes", () => {
  it("accepts a single address and applies the default checks", () => {
    // Act
    const parsed = parseCheckRequest({ address: "someone@example.com" });

    // Assess
    expect(parsed).toEqual({
      ok: true,
      request: { addresses: ["someone@example.com"], checks: new Set(DEFAULT_CHECKS) },
    });
  });

  it("accepts a list of addresses in the order given, duplicates included", () => {
    // Prepare
    const addresses = ["b@example.com", "a@example.com", "b@example.com"];

    // Act
    const parsed = parseCheckRequest({ addresses });

    // Assess
    expect(parsed).toEqual({ ok: true, request: { addresses, checks: new Set(DEFAULT_CHECKS) } });
  });

  it(`accepts exactly ${MAX_ADDRESSES} addresses`, () => {
    // Prepare
    const addresses = addressesOf(MAX_ADDRESSES);

    // Act
    const parsed = parseCheckRequest({ addresses });

    // Assess
    expect(parsed.ok && parsed.request.addresses.length).toBe(MAX_ADDRESSES);
  });

  it("prefers the list when both a list and a single address are given", () => {
    // Act
    const parsed = parseCheckRequest({ address: "single@example.com", addresses: ["listed@example.com"] });

    // Assess
    expect(parsed.ok && parsed.request.addresses).toEqual(["listed@example.com"]);
  });

  it.each([
    { chosen: ["syntax"], checks: new Set(["syntax"]) },
    { chosen: ["typo", "mx"], checks: new Set(["typo", "mx"]) },
    { chosen: [], checks: new Set() },
  ])("runs only the checks $chosen when the caller chooses them", ({ chosen, checks }) => {
    // Act
    const parsed = parseCheckRequest({ addresses: ["someone@example.com"], checks: chosen });

    // Assess
    expect(parsed.ok && parsed.request.checks).toEqual(checks);
  });
});
