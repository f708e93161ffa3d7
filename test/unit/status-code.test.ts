import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  classDigitOf,
  describeStatus,
  extractReplyCode,
  extractStatus,
  isValidStatus,
  parseStatus,
} from "../../functions/core/status-code.ts";

interface BounceCase {
  readonly id: string;
  readonly status?: string;
  readonly diagnosticCode?: string;
}

const { bounces } = JSON.parse(
  readFileSync(new URL("../fixtures/bounces/cases.json", import.meta.url), "utf8"),
) as { bounces: BounceCase[] };

describe("parseStatus", () => {
  it.each([
    ["5.1.1", 5, 1, 1],
    ["4.2.2", 4, 2, 2],
    ["2.0.0", 2, 0, 0],
    ["5.7.26", 5, 7, 26],
    ["4.7.650", 4, 7, 650],
    ["5.4.310", 5, 4, 310],
    [" 5.1.10 ", 5, 1, 10],
  ])("splits %s into class, subject and detail", (code, statusClass, subject, detail) => {
    // Act
    const parsed = parseStatus(code);
    // Assess
    expect(parsed).toEqual({ code: code.trim(), statusClass, subject, detail });
  });

  it.each([
    ["3.1.1", "class 3 does not exist"],
    ["1.1.1", "class 1 does not exist"],
    ["5.8.1", "subject above 7"],
    ["5.1.1000", "detail above 999"],
    ["5.01.1", "a padded subject"],
    ["5.1.01", "a padded detail"],
    ["5.1", "two parts"],
    ["5.1.1.1", "four parts"],
    ["550", "a basic reply code"],
    ["", "an empty string"],
    ["smtp; 550 5.1.1", "a whole diagnostic"],
  ])("rejects %s (%s)", (code) => {
    // Act + Assess
    expect(parseStatus(code)).toBeUndefined();
    expect(isValidStatus(code)).toBe(false);
  });

  it("returns undefined for no input", () => {
    expect(parseStatus(undefined)).toBeUndefined();
  });
});

describe("extractStatus", () => {
  it.each([
    ["smtp; 550 5.1.1 <jane@example.com>... User unknown", "5.1.1"],
    ["550-5.1.1 The email account that you tried to reach does not exist.", "5.1.1"],
    ["Sorry, no mailbox here by that name. (#5.1.1)", "5.1.1"],
    ["#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##", "5.1.1"],
    ["smtp; 421 4.4.1 Unable to connect to remote host", "4.4.1"],
    ["smtp; 550 5.4.310 DNS domain example.invalid does not exist", "5.4.310"],
    ["smtp; 451 4.7.650 The mail server [198.51.100.7] has been temporarily rate limited", "4.7.650"],
    ["host mx.example.org[192.0.2.4] said: 554 5.7.1 blocked", "5.7.1"],
    ["smtp; 250 2.0.0 OK then 550 5.1.1 user unknown", "5.1.1"],
    ["smtp; 250 2.0.0 Ok: queued", "2.0.0"],
  ])("reads the status code out of %j", (text, expected) => {
    expect(extractStatus(text)).toBe(expected);
  });

  it.each([
    ["X-Postfix; unknown user", "a diagnostic without any code"],
    ["connect to 10.4.4.1[10.4.4.1]:25: Connection refused", "an IP address"],
    ["Client host [192.168.5.1.1] rejected", "a dotted run of numbers"],
    ["Exim 4.96.2 says hello", "a version number"],
    ["Courier-MTA 5.0.4.1 build", "a four-part version number"],
    ["Delivery failed on 5.1.2024 at noon", "a date"],
    ["relay mta5.1.1.example.net refused", "a host name"],
    ["", "an empty diagnostic"],
  ])("finds nothing in %j (%s)", (text) => {
    expect(extractStatus(text)).toBeUndefined();
  });

  it("finds the case's status in every case diagnostic that spells it out", () => {
    // Prepare
    const spelledOut = bounces.filter(
      (c): c is BounceCase & { status: string; diagnosticCode: string } =>
        c.status !== undefined &&
        c.diagnosticCode !== undefined &&
        new RegExp(`(?<![\\w.])${c.status.replaceAll(".", "\\.")}(?![\\d.]\\d)`).test(c.diagnosticCode),
    );
    // Act
    const misread = spelledOut.filter((c) => extractStatus(c.diagnosticCode) !== c.status).map((c) => c.id);
    // Assess
    expect(spelledOut.length).toBeGreaterThan(150);
    expect(misread).toEqual([]);
  });
});

describe("extractReplyCode", () => {
  it.each([
    ["smtp; 550 5.1.1 <jane@example.com>... User unknown", "550"],
    ["550-5.1.1 The email account that you tried to reach does not exist.", "550"],
    ["#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##", "550"],
    ["host mx.example.org[192.0.2.4] said: 421 Too many connections", "421"],
    ["smtp; 554 delivery error: dd This user doesn't have a yahoo.com account", "554"],
    ["550", "550"],
    ["smtp; 554 30 Sorry, your message size exceeds 550 bytes", "554"],
  ])("reads the reply code out of %j", (text, expected) => {
    expect(extractReplyCode(text)).toBe(expected);
  });

  it.each([
    ["X-Postfix; unknown user", "no code at all"],
    ["connect to 203.0.113.5[203.0.113.5]:25: Connection timed out", "an IP address and a port"],
    ["Sorry, your message size exceeds 41943040 bytes", "a size"],
    ["Delivery failed in 2024", "a year"],
    ["(#5.1.1)", "an enhanced code only"],
  ])("finds no reply code in %j (%s)", (text) => {
    expect(extractReplyCode(text)).toBeUndefined();
  });
});

describe("classDigitOf", () => {
  it.each([
    ["5.1.1", 5],
    ["4.2.2", 4],
    ["421", 4],
    ["550", 5],
    ["250", 2],
    ["5.9.1", undefined],
    ["699", undefined],
    ["hello", undefined],
    [undefined, undefined],
  ] as const)("gives %s the class digit %s", (code, expected) => {
    expect(classDigitOf(code)).toBe(expected);
  });
});

describe("describeStatus", () => {
  it("names a code RFC 3463 defines", () => {
    const status = parseStatus("5.1.1");
    expect(status && describeStatus(status)).toBe("bad destination mailbox address");
  });

  it("falls back to the subject's name for a detail it does not know", () => {
    const status = parseStatus("5.7.999");
    expect(status && describeStatus(status)).toBe("security or policy status");
  });
});
