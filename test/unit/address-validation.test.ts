import fc from "fast-check";
import { parse as parseSmtpAddress } from "smtp-address-parser";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_CHECKS,
  isDisposableDomain,
  plainlyValid,
  typoOf,
  type ValidationCheck,
  validateAddress,
} from "../../functions/core/address-validation.ts";

const DEFAULTS: ReadonlySet<ValidationCheck> = new Set(DEFAULT_CHECKS);

/** The default checks without `check`. */
function defaultsWithout(check: ValidationCheck): ReadonlySet<ValidationCheck> {
  return new Set(DEFAULT_CHECKS.filter((chosen) => chosen !== check));
}

describe("validateAddress: syntax", () => {
  it.each([
    { form: "a plain address", raw: "someone@example.com", normalized: "someone@example.com" },
    { form: "plus addressing", raw: "someone+orders@example.com", normalized: "someone+orders@example.com" },
    { form: "a quoted local part", raw: '"john doe"@example.com', normalized: '"john doe"@example.com' },
    { form: "an IDN domain, as punycode", raw: "jörg@bücher.de", normalized: "jörg@xn--bcher-kva.de" },
    {
      form: "a display name, without it",
      raw: '"Doe, Jane" <jane@Example.COM>',
      normalized: "jane@example.com",
    },
    { form: "surrounding spaces, trimmed", raw: "  someone@example.com ", normalized: "someone@example.com" },
    {
      form: "a mixed-case address, local part kept",
      raw: "John.Doe@Example.com",
      normalized: "John.Doe@example.com",
    },
  ])("accepts $form and normalises it", ({ raw, normalized }) => {
    // Prepare
    const checks = DEFAULTS;

    // Act
    const validation = validateAddress(raw, checks);

    // Assess
    expect(validation).toEqual({ normalized });
  });

  it.each([
    { problem: "a double dot", raw: "john..doe@example.com", message: /unexpected "\." at position 6/ },
    { problem: "no @", raw: "john.example.com", message: /"john\.example\.com" is not an e-mail address/ },
    { problem: "no dot in the domain", raw: "john@localhost", message: /domain not fully qualified/ },
    {
      problem: "a local part over 64 characters",
      raw: `${"a".repeat(65)}@example.com`,
      message: /local part longer than 64 characters/,
    },
    {
      problem: "an address over 254 characters",
      raw: `someone@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}.${"e".repeat(60)}.com`,
      message: /longer than 254 characters/,
    },
    {
      problem: "a space in the local part",
      raw: "john doe@example.com",
      message: /unexpected " " at position 5/,
    },
    { problem: "a space in the domain", raw: "john@exa mple.com", message: /has an invalid domain/ },
  ])("rejects an address with $problem, saying what is wrong", ({ raw, message }) => {
    // Prepare
    const checks = DEFAULTS;

    // Act
    const validation = validateAddress(raw, checks);

    // Assess
    expect(validation.invalid?.reason).toBe("syntax");
    expect(validation.invalid?.message).toMatch(message);
  });
});

describe("validateAddress: disposable domains", () => {
  it.each([
    { form: "a disposable domain", raw: "someone@mailinator.com", domain: "mailinator.com" },
    { form: "a subdomain of one", raw: "someone@inbox.mailinator.com", domain: "inbox.mailinator.com" },
    {
      form: "a deeper subdomain of one",
      raw: "someone@a.b.10minutemail.com",
      domain: "a.b.10minutemail.com",
    },
  ])("rejects $form as disposable", ({ raw, domain }) => {
    // Prepare
    const checks = DEFAULTS;

    // Act
    const validation = validateAddress(raw, checks);

    // Assess
    expect(validation.invalid).toEqual({
      reason: "disposable",
      message: `${domain} is a disposable (temporary) mailbox domain`,
    });
  });

  it.each([
    { domain: "mailinator.com", disposable: true },
    { domain: "mx.mailinator.com", disposable: true },
    { domain: "example.com", disposable: false },
    { domain: "mymailinator.com", disposable: false },
    { domain: "mailinator.com.example.org", disposable: false },
  ])("reads $domain as disposable: $disposable", ({ domain, disposable }) => {
    // Act
    const answer = isDisposableDomain(domain);

    // Assess
    expect(answer).toBe(disposable);
  });
});

describe("validateAddress: typos", () => {
  it.each([
    { raw: "someone@gmal.com", typed: "gmal.com", intended: "gmail.com" },
    { raw: "someone@gmail.con", typed: "gmail.con", intended: "gmail.com" },
    { raw: "someone@icloud.co", typed: "icloud.co", intended: "icloud.com" },
  ])(
    "rejects $typed as a typo of the major provider $intended, with the suggestion",
    ({ raw, typed, intended }) => {
      // Prepare
      const checks = DEFAULTS;

      // Act
      const validation = validateAddress(raw, checks);

      // Assess
      expect(validation).toEqual({
        normalized: raw,
        invalid: { reason: "typo", message: `${typed} looks like a typo of ${intended}` },
        suggestion: `someone@${intended}`,
      });
    },
  );

  it("keeps an address valid when the suggested domain is not a major provider, but gives the suggestion", () => {
    // Prepare
    const raw = "someone@acme.cpm";

    // Act
    const validation = validateAddress(raw, DEFAULTS);

    // Assess
    expect(validation).toEqual({ normalized: "someone@acme.cpm", suggestion: "someone@acme.com" });
  });

  // Fails today: see the report. The spell checker's POPULAR_DOMAINS list has no hotmail.com,
  // yahoo.com, outlook.com or live.com (it matches those by second-level name instead), so their
  // typos are treated as typos of a minor domain and the address stays valid.
  it.each([
    { raw: "someone@hotnail.com", intended: "hotmail.com" },
    { raw: "someone@yahou.com", intended: "yahoo.com" },
  ])("rejects $raw as a typo of the major provider $intended", ({ raw, intended }) => {
    // Act
    const validation = validateAddress(raw, DEFAULTS);

    // Assess
    expect(validation.invalid?.reason).toBe("typo");
    expect(validation.suggestion).toBe(`someone@${intended}`);
  });

  it("reads no typo in a correctly spelled provider domain", () => {
    // Act
    const reading = typoOf("someone@gmail.com");

    // Assess
    expect(reading).toBeUndefined();
  });
});

describe("validateAddress: choosing checks", () => {
  it.each<{ check: ValidationCheck; raw: string }>([
    { check: "syntax", raw: "john..doe@example.com" },
    { check: "disposable", raw: "someone@mailinator.com" },
    { check: "typo", raw: "someone@gmail.con" },
  ])("passes $raw when the $check check is switched off", ({ check, raw }) => {
    // Prepare
    const rejectedWithDefaults = validateAddress(raw, DEFAULTS);

    // Act
    const validation = validateAddress(raw, defaultsWithout(check));

    // Assess
    expect(rejectedWithDefaults.invalid?.reason).toBe(check);
    expect(validation).toEqual({ normalized: raw });
  });

  it.each([
    ["no @", "not an address"],
    ["a line break", "jane@example.com\r\nBcc: all@example.com"],
    ["a control character", "ja\u0000ne@example.com"],
    ["300 characters", `${"a".repeat(290)}@example.com`],
  ])("refuses an address with %s whatever the checks, without a normalised form to look up", (_, raw) => {
    // Act
    const validation = validateAddress(raw, new Set());

    // Assess
    expect(validation.normalized).toBeUndefined();
    expect(validation.invalid?.reason).toBe("syntax");
    expect(validation.invalid?.message).toMatch(/is not an e-mail address/);
  });
});

describe("the fast path for plain addresses", () => {
  const atext = fc.constantFrom(..."abcXYZ019!#$%&'*+/=?^_`{|}~-.@\"() []\\é".split(""));
  const candidate = fc
    .tuple(fc.array(atext, { minLength: 0, maxLength: 12 }), fc.array(atext, { minLength: 0, maxLength: 12 }))
    .map(([local, domain]) => `${local.join("")}@${domain.join("")}.com`);

  it("accepts only what the RFC 5321 parser accepts too", () => {
    fc.assert(
      fc.property(candidate, (address) => {
        if (!plainlyValid(address)) return true;
        parseSmtpAddress(address);
        return true;
      }),
      { numRuns: 3_000 },
    );
  });

  it.each(["jane@example.com", "first.last+tag@mail.example.co.uk", "o'brien@example.ie"])(
    "takes the fast path for %s",
    (address) => {
      expect(plainlyValid(address)).toBe(true);
    },
  );
});
