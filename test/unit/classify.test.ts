import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { STRONG_RULES } from "../../functions/core/classify/phrases.ts";
import {
  type BounceEvidence,
  classifyBounce,
  classifyDelay,
  classOfReason,
  type DelayEvidence,
  extractStatus,
  normaliseDiagnostic,
  READ_LIMIT,
  readablePart,
  reasonOfText,
} from "../../functions/core/classify.ts";
import { REASONS, type Reason } from "../../functions/core/types.ts";

interface Expected {
  readonly class: string;
  readonly reason: Reason;
}
interface BounceCase extends BounceEvidence {
  readonly id: string;
  readonly note: string;
  readonly expected: Expected;
}
interface DelayCase extends DelayEvidence {
  readonly id: string;
  readonly note: string;
  readonly expected: Expected;
}

const { bounces, delays } = JSON.parse(
  readFileSync(new URL("../fixtures/bounces/cases.json", import.meta.url), "utf8"),
) as { bounces: BounceCase[]; delays: DelayCase[] };

const evidence = (
  bounceType: string,
  bounceSubType: string,
  status?: string,
  diagnosticCode?: string,
): BounceEvidence => ({
  bounceType,
  bounceSubType,
  ...(status === undefined ? {} : { status }),
  ...(diagnosticCode === undefined ? {} : { diagnosticCode }),
});

describe("classifyBounce over the bounce cases", () => {
  it("has at least 200 bounce cases, each with a note on where its phrasing comes from", () => {
    expect(bounces.length).toBeGreaterThanOrEqual(200);
    expect(bounces.every((c) => c.note.length > 0)).toBe(true);
    expect(new Set(bounces.map((c) => c.id)).size).toBe(bounces.length);
  });

  it.each(bounces)("reads $id ($note) as $expected.class/$expected.reason", (c) => {
    // Act
    const reading = classifyBounce(c);
    // Assess
    expect({ class: reading.class, reason: reading.reason }).toEqual(c.expected);
  });
});

describe("classifyDelay over the delay cases", () => {
  it.each(delays)("reads $id ($note) as $expected.class/$expected.reason", (c) => {
    // Act
    const reading = classifyDelay(c);
    // Assess
    expect({ class: reading.class, reason: reading.reason }).toEqual(c.expected);
  });
});

describe("classifyBounce: SES labels that are wrong", () => {
  it("reads Transient/General with 5.4.4 as a hard bounce", () => {
    const reading = classifyBounce(
      evidence("Transient", "General", "5.4.4", "smtp; 550 5.4.4 Invalid domain"),
    );
    expect(reading).toMatchObject({ class: "hard", reason: "hostunknown", status: "5.4.4" });
  });

  it("reads Transient/General with 5.1.1 as a hard bounce", () => {
    const reading = classifyBounce(evidence("Transient", "General", "5.1.1", "smtp; 550 5.1.1 User unknown"));
    expect(reading).toMatchObject({ class: "hard", reason: "userunknown", status: "5.1.1" });
  });

  it("reads Transient/General with a '5.3.0 denied' text as a refusal by the recipient's side, never a dead address", () => {
    // A bare "denied" proves no dead address; like Sisimai we only call non-existence hard, and a
    // refusal by the receiver's filter is a block: counted, never suppressing.
    const reading = classifyBounce(
      evidence("Transient", "General", "5.3.0", "smtp; 553 5.3.0 <a@example.net>... denied"),
    );
    expect(reading).toMatchObject({ class: "block", reason: "filtered" });
  });

  it.each([
    ["listed at Spamhaus", "smtp; 550 5.7.1 Rejected: 198.51.100.2 listed at zen.spamhaus.org", "blocked"],
    [
      "blocked using zen.spamhaus.org",
      "smtp; 554 5.7.1 Client host [198.51.100.2] blocked using zen.spamhaus.org",
      "blocked",
    ],
    ["rejected due to policy", "smtp; 550 5.7.1 Message rejected due to policy", "policyviolation"],
    ["spam", "smtp; 550 5.7.1 Message rejected as spam", "spamdetected"],
  ])(
    "reads Permanent/General 5.7.1 '%s' as a block of the sender, not a dead address",
    (_name, diagnostic, reason) => {
      const reading = classifyBounce(evidence("Permanent", "General", "5.7.1", diagnostic));
      expect(reading).toMatchObject({ class: "block", reason });
    },
  );

  it.each([
    "I am out of the office until Monday.",
    "Automatic reply: Re: your order",
    "Auto-Reply: I'm on vacation",
  ])("reads Transient/General %j as an auto-reply", (diagnostic) => {
    const reading = classifyBounce(evidence("Transient", "General", undefined, diagnostic));
    expect(reading).toMatchObject({ class: "autoreply", reason: "vacation" });
  });
});

describe("classifyBounce: evidence order", () => {
  it("lets a blocklist phrase beat a 5.1.1 status", () => {
    const reading = classifyBounce(
      evidence("Permanent", "General", "5.1.1", "smtp; 550 5.1.1 client [192.0.2.3] blocked by Spamhaus"),
    );
    expect(reading).toMatchObject({ class: "block", reason: "blocked" });
  });

  it("lets 'user unknown' beat a 5.7.1 status", () => {
    const reading = classifyBounce(evidence("Permanent", "General", "5.7.1", "smtp; 550 5.7.1 User unknown"));
    expect(reading).toMatchObject({ class: "hard", reason: "userunknown" });
  });

  it("keeps a full mailbox soft even with a 5.2.2 status", () => {
    const reading = classifyBounce(evidence("Permanent", "General", "5.2.2", "smtp; 552 5.2.2 mailbox full"));
    expect(reading).toMatchObject({ class: "soft", reason: "mailboxfull" });
  });

  it("lets a specific status beat a vague phrase", () => {
    const reading = classifyBounce(
      evidence(
        "Permanent",
        "General",
        "5.1.1",
        "smtp; 550 5.1.1 Requested action not taken: mailbox unavailable",
      ),
    );
    expect(reading.reason).toBe("userunknown");
  });

  it("reads the status out of the diagnostic when SES gives none", () => {
    const reading = classifyBounce(evidence("Transient", "General", undefined, "smtp; 550 5.1.1 xyzzy"));
    expect(reading).toMatchObject({ class: "hard", reason: "userunknown", status: "5.1.1" });
  });

  it("prefers the diagnostic's specific status over SES's generic 5.0.0", () => {
    const reading = classifyBounce(evidence("Permanent", "General", "5.0.0", "smtp; 550 5.1.2 xyzzy"));
    expect(reading).toMatchObject({ reason: "hostunknown", status: "5.1.2" });
  });

  it("makes an otherwise hard code a retry when the receiver answered 4xx and said nothing more", () => {
    const reading = classifyBounce(evidence("Transient", "General", "4.1.1", "smtp; 450 4.1.1 xyzzy"));
    expect(reading).toMatchObject({ class: "soft", reason: "userunknown" });
  });

  it("keeps a user the receiver calls unknown in words hard under a 4xx code: the bounce is final", () => {
    const reading = classifyBounce(
      evidence(
        "Transient",
        "General",
        "4.1.1",
        "smtp; 450 4.1.1 <a@example.org>: Recipient address rejected: User unknown",
      ),
    );
    expect(reading).toMatchObject({ class: "hard", reason: "userunknown" });
  });

  it("makes a domain a DNS answer calls unknown a retry under a 4xx code", () => {
    const reading = classifyBounce(
      evidence(
        "Transient",
        "General",
        "4.0.0",
        "smtp; DNS Error: lookup of example.comn responded with code NXDOMAIN",
      ),
    );
    expect(reading).toMatchObject({ class: "soft", reason: "hostunknown" });
  });

  it("lets a clear phrase override the NoEmail subtype", () => {
    const reading = classifyBounce(
      evidence(
        "Permanent",
        "NoEmail",
        "5.7.1",
        "smtp; 554 5.7.1 Client host [192.0.2.3] blocked using zen.spamhaus.org",
      ),
    );
    expect(reading).toMatchObject({ class: "block", reason: "blocked" });
  });

  it("keeps NoEmail a dead address when only a status code disagrees", () => {
    const reading = classifyBounce(
      evidence("Permanent", "NoEmail", "5.7.1", "smtp; 550 5.7.1 Requested action not taken"),
    );
    expect(reading).toMatchObject({ class: "hard", reason: "userunknown" });
  });

  it("does not take SES's Permanent label alone for a dead address: the failure is unconfirmed", () => {
    const reading = classifyBounce(evidence("Permanent", "General"));
    expect(reading).toMatchObject({ class: "unconfirmed", reason: "undefined" });
    expect(reading.explanation).toBe(
      "SES's Permanent/General label means undefined (unconfirmed): a permanent failure with no reason given, so the address is deferred and suppressed only if a second permanent failure confirms it.",
    );
  });

  it.each([
    ["a bare 5.0.0", "5.0.0", undefined],
    ["a 550 nobody can read", undefined, "smtp; 550 xyzzy"],
  ])("reads %s as an unconfirmed permanent failure in every labelling", (_name, status, diagnostic) => {
    for (const type of ["Permanent", "Transient", "Undetermined"]) {
      const reading = classifyBounce(
        evidence(type, type === "Undetermined" ? "Undetermined" : "General", status, diagnostic),
      );
      expect(reading.class).toBe("unconfirmed");
    }
  });

  it("reads a temporary code with nothing more on a final bounce as expired: SES's retries ran out", () => {
    const reading = classifyBounce(evidence("Transient", "General", "4.5.0", "SMTP;"));
    expect(reading).toMatchObject({ class: "soft", reason: "expired" });
    expect(reading.explanation).toContain("SES's retries ran out");
  });

  it("reads Undetermined with no evidence at all as soft and undefined", () => {
    const reading = classifyBounce(evidence("Undetermined", "Undetermined"));
    expect(reading).toMatchObject({ class: "soft", reason: "undefined" });
  });

  it("reads an empty evidence object as soft and undefined", () => {
    expect(classifyBounce({})).toMatchObject({ class: "soft", reason: "undefined" });
  });
});

describe("classifyBounce: SES suppression", () => {
  it.each(["Suppressed", "OnAccountSuppressionList"])(
    "flags Permanent/%s as suppressed by SES",
    (subType) => {
      const reading = classifyBounce(
        evidence("Permanent", subType, "5.1.1", "Amazon SES has suppressed sending"),
      );
      expect(reading).toMatchObject({ class: "hard", reason: "suppressed", suppressedBySes: true });
    },
  );

  it("does not flag an ordinary bounce as suppressed by SES", () => {
    const reading = classifyBounce(evidence("Permanent", "General", "5.1.1", "smtp; 550 5.1.1 user unknown"));
    expect(reading.suppressedBySes).toBeUndefined();
  });

  it("does not crash on an unknown subtype and reads the evidence instead", () => {
    const reading = classifyBounce(
      evidence("Permanent", "BrandNewSubType", "5.2.2", "smtp; 552 5.2.2 over quota"),
    );
    expect(reading).toMatchObject({ class: "soft", reason: "mailboxfull" });
  });
});

describe("classifyBounce: explanations", () => {
  it("says which status overrode SES's label", () => {
    const reading = classifyBounce(evidence("Transient", "General", "5.1.1"));
    expect(reading.explanation).toBe(
      "Status 5.1.1 (bad destination mailbox address) means userunknown (hard), overriding SES's Transient/General label.",
    );
  });

  it("says which phrase overrode the status code", () => {
    const reading = classifyBounce(
      evidence("Permanent", "General", "5.1.1", "smtp; 550 5.1.1 blocked using zen.spamhaus.org"),
    );
    expect(reading.explanation).toContain('"blocked using"');
    expect(reading.explanation).toContain("overriding status 5.1.1 (bad destination mailbox address)");
    expect(reading.explanation).toContain("SES's Permanent/General label");
  });

  it("says when a 4xx code made an otherwise hard reason a retry", () => {
    const reading = classifyBounce(evidence("Transient", "General", "4.1.1"));
    expect(reading.explanation).toContain("retry");
  });

  it("writes every explanation as one sentence", () => {
    for (const c of bounces) {
      const { explanation } = classifyBounce(c);
      expect(explanation, c.id).toMatch(/^[A-Z].*\.$/);
      expect(explanation.slice(0, -1), c.id).not.toMatch(/\.\s+[A-Z]/);
    }
  });
});

describe("classOfReason", () => {
  it.each([
    ["userunknown", "hard"],
    ["hostunknown", "hard"],
    ["hasmoved", "hard"],
    ["notaccept", "hard"],
    ["suspend", "soft"],
    ["filtered", "block"],
    ["norelaying", "block"],
    ["mailererror", "soft"],
    ["syntaxerror", "soft"],
    ["suppressed", "hard"],
    ["blocked", "block"],
    ["spamdetected", "block"],
    ["policyviolation", "block"],
    ["badreputation", "block"],
    ["requireptr", "block"],
    ["authfailure", "block"],
    ["virusdetected", "block"],
    ["contenterror", "block"],
    ["rejected", "block"],
    ["securityerror", "block"],
    ["notcompliantrfc", "block"],
    ["failedstarttls", "block"],
    ["mailboxfull", "soft"],
    ["mesgtoobig", "soft"],
    ["exceedlimit", "soft"],
    ["expired", "soft"],
    ["undefined", "unconfirmed"],
    ["onhold", "unconfirmed"],
  ] as const)("reads %s with a 5.x.x status as %s", (reason, expected) => {
    expect(classOfReason(reason, "5.0.0")).toBe(expected);
  });

  it.each(["4.1.1", "450", "421"])("makes userunknown a retry with %s", (status) => {
    expect(classOfReason("userunknown", status)).toBe("soft");
  });

  it("keeps a sender block a block with a 4.x.x status", () => {
    expect(classOfReason("blocked", "4.7.1")).toBe("block");
  });

  it("keeps a dead address hard when no status is known", () => {
    expect(classOfReason("userunknown")).toBe("hard");
  });

  it("gives every reason one of hard, soft or block", () => {
    for (const reason of REASONS) expect(["hard", "soft", "block"]).toContain(classOfReason(reason));
  });
});

describe("classifyDelay", () => {
  it("never reads a delay as hard: SES is still retrying", () => {
    const reading = classifyDelay({
      delayType: "General",
      status: "5.1.1",
      diagnosticCode: "smtp; 550 5.1.1 User unknown",
    });
    expect(reading).toMatchObject({ class: "soft", reason: "userunknown" });
    expect(reading.explanation).toContain("still soft");
  });

  it("reads an unknown delay type without evidence as soft and undefined", () => {
    expect(classifyDelay({ delayType: "NotInvented" })).toMatchObject({ class: "soft", reason: "undefined" });
  });
});

describe("the text predicates", () => {
  it("folds case, accents, addresses and codes out of the diagnostic", () => {
    expect(normaliseDiagnostic("smtp; 550-5.1.1 <Jane@Example.com>: Boîte  PLEINE")).toBe(
      "smtp; <addr> : boite pleine",
    );
  });

  it("does not read a reason out of the words of an address", () => {
    expect(reasonOfText("smtp; 550 <blocked.unknown.user@example.com> ok")).toBeUndefined();
  });

  it("does not read Spamhaus's name as a spam verdict", () => {
    expect(reasonOfText("blocked using zen.spamhaus.org")).toBe("blocked");
  });

  it("keeps a URL's host, which may name a blocklist, and drops the rest of it", () => {
    expect(normaliseDiagnostic("553 See http://www.spamhaus.org/query/bl?ip=192.0.2.1 now")).toBe(
      "see www.spamhaus.org now",
    );
    expect(reasonOfText("553 http://www.spamhaus.org/query/bl?ip=192.0.2.1")).toBe("blocked");
  });

  it("reads only the first READ_LIMIT characters: the reply, not the quoted mail after it", () => {
    const padding = "x ".repeat(READ_LIMIT);
    expect(reasonOfText(`550 mailbox full ${padding}`)).toBe("mailboxfull");
    expect(reasonOfText(`550 ${padding} mailbox full`)).toBeUndefined();
  });

  it("never cuts a surrogate pair in half at the read limit", () => {
    const text = `${"a".repeat(READ_LIMIT - 1)}💥 and more`;
    expect(readablePart(text)).toBe("a".repeat(READ_LIMIT - 1));
    expect(readablePart("short")).toBe("short");
  });

  it("re-exports extractStatus", () => {
    expect(extractStatus("smtp; 550 5.1.1 User unknown")).toBe("5.1.1");
  });
});

describe("robustness", () => {
  it("classifies any evidence without throwing and with a valid verdict", () => {
    const anyText = fc.option(fc.string({ maxLength: 300 }), { nil: undefined });
    fc.assert(
      fc.property(anyText, anyText, anyText, anyText, (bounceType, bounceSubType, status, diagnosticCode) => {
        const reading = classifyBounce({
          ...(bounceType === undefined ? {} : { bounceType }),
          ...(bounceSubType === undefined ? {} : { bounceSubType }),
          ...(status === undefined ? {} : { status }),
          ...(diagnosticCode === undefined ? {} : { diagnosticCode }),
        });
        expect(["hard", "soft", "block", "autoreply"]).toContain(reading.class);
        expect(REASONS).toContain(reading.reason);
        expect(reading.explanation.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it("reads a long diagnostic quickly", () => {
    // Prepare: a pathological 20 kB diagnostic must not trigger regex backtracking blow-ups.
    const diagnostic = `smtp; 550 ${"user account mailbox address ".repeat(700)}x`;
    // Act
    const started = performance.now();
    classifyBounce(evidence("Permanent", "General", undefined, diagnostic));
    const elapsedMs = performance.now() - started;
    // Assess
    expect(elapsedMs).toBeLessThan(250);
  });

  it("classifies the whole case file in well under a millisecond per recipient", () => {
    const started = performance.now();
    for (let round = 0; round < 5; round++) for (const c of bounces) classifyBounce(c);
    const perRecipientMs = (performance.now() - started) / (5 * bounces.length);
    expect(perRecipientMs).toBeLessThan(1);
  });
});

describe("phrase families: the same reading whatever the MTA's wording and SES's label", () => {
  // Written for these tests in the ways MTAs word each family; none is taken from the corpus.
  const families: readonly (readonly [family: string, expected: string, diagnostics: readonly string[]])[] = [
    [
      "mailing list and group posting refusals",
      "block/rejected",
      [
        "smtp; 550 5.7.1 You are not a member of this list and may not post to it",
        "smtp; 550 Only members can post to this list",
        "smtp; 553 You do not have permission to post to this group",
        "Hallo a@example.org, die Gruppe (team) existiert eventuell nicht. Hilfe: https://groups.google.com/support/",
        "Hola a@example.org, es posible que el grupo (team) no exista. https://groups.google.com/support/",
      ],
    ],
    [
      "directory lookups",
      "hard/userunknown",
      [
        "smtp; 550 5.1.1 User john.doe not listed in Domino Directory",
        "smtp; 550 User not listed in public Name & Address Book",
        "smtp; 550 Invalid final delivery userid: jane@example.org",
        "smtp; 550 ユーザー jane (jane@example.org) は Domino ディレクトリには見つかりません。",
      ],
    ],
    [
      "unknown users in other languages",
      "hard/userunknown",
      [
        "smtp; 550 Der Empfänger ist unbekannt",
        "smtp; 550 L'adresse du destinataire est inconnue",
        "smtp; 550 El usuario no existe",
        "smtp; 550 收件人不存在",
        "smtp; 550 존재하지 않는 사용자입니다",
        "smtp; 550 Нет такого пользователя",
        "smtp; 550 Почтовый ящик не найден",
        "smtp; 550 指定されたアドレスは存在しません",
      ],
    ],
    [
      "refusals at MAIL FROM, whatever their words",
      "block/rejected",
      [
        "SMTP error from remote mail server after MAIL FROM:<bounce@sender.example> SIZE=2048: 550 5.1.0 <bounce@sender.example>: User unknown",
        "SMTP error from remote mail server after MAIL FROM:<bounce@sender.example> SIZE=2048: 553 sender.example does not exist",
        "host mx.example.org[192.0.2.1] said: 550 Access denied (in reply to MAIL FROM command)",
        "Connected to 192.0.2.1 but sender was rejected. Remote host said: 553 sorry, no mailbox here by that name. (#5.1.1)",
      ],
    ],
    [
      "refusals at the greeting or HELO",
      "block/blocked",
      [
        "host mx.example.org[192.0.2.1] refused to talk to me: 554 mx.example.org ESMTP not accepting messages",
        "Connected to 192.0.2.1 but my name was rejected. Remote host said: 501 5.0.0 Invalid domain name",
        "SMTP error from remote mail server after initial connection: 554 No SMTP service here",
        "smtp; 550 5.7.1 Invalid domain name in HELO",
        "smtp; 501 HELO hostname rejected: not a valid host name",
      ],
    ],
    [
      "connection frequency limits",
      "soft/toomanyconn",
      [
        "smtp; 550 Ip frequency limited [Blocked IP 192.0.2.1]",
        "smtp; 451 Connection frequency limited, try again later",
        "smtp; 421 4.7.0 Connection rate limit exceeded, try again later",
      ],
    ],
    [
      "reverse DNS of the sending IP",
      "block/requireptr",
      [
        "smtp; 550 5.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.1]",
        "smtp; 554 5.7.1 Your IP address 192.0.2.1 has no PTR record",
        "smtp; 450 4.7.1 Client host rejected: reverse DNS lookup failed for 192.0.2.1",
        "smtp; 550 Service permits 2 unverifiable sending IPs - mail.sender.example is not 192.0.2.1",
      ],
    ],
    [
      "relay refusals",
      "block/norelaying",
      [
        "smtp; 554 5.7.1 <jane@example.org>: Relay access denied",
        "smtp; 550 5.7.1 Unable to relay for jane@example.org",
        "smtp; 550 This system is not configured to relay mail from <a@sender.example> to <jane@example.org>",
        "smtp; 550 Insecure Mail Relay",
        "smtp; 553-you are trying to use me [mx.example.org] as a relay, but I have not been configured to let you",
      ],
    ],
    [
      "open relays and refused networks of the sender",
      "block/blocked",
      [
        "smtp; 553 Your mail server 192.0.2.1 is an open relay, mail refused",
        "smtp; 550 Host network not allowed",
        "smtp; 554 Invalid IP for sending mail of domain sender.example",
        "smtp; 550 SC-004 Messages from 192.0.2.1 weren't sent. Too many unwanted messages have been sent from the following IP address",
      ],
    ],
    [
      "duplicated or missing Message-IDs",
      "block/notcompliantrfc",
      [
        "smtp; 550 5.7.1 Duplicate Message-ID, message refused",
        "smtp; 550-5.7.1 Messages missing a valid Message-ID header are not accepted",
        "smtp; 554 Message-ID header is missing",
      ],
    ],
    [
      "DNS lookups that failed (not a domain that does not exist)",
      "soft/networkerror",
      [
        "X-Postfix; Name service error for name=example.org type=MX: Malformed or unexpected name server reply",
        "X-Postfix; Host or domain name lookup failed: Name service error for name=example.org type=MX: Host not found, try again",
        "smtp; 451 4.4.3 Temporary DNS failure for example.org",
        "smtp; 550 5.4.312 Message expired, DNS query failed",
      ],
    ],
    [
      "authentication of the sender (SPF, DKIM, DMARC)",
      "block/authfailure",
      [
        "smtp; 550 5.7.1 Email rejected per DMARC policy for sender.example",
        "smtp; 550 SPF check failed for 192.0.2.1",
        "smtp; 550 Bad SPF records for [sender.example:192.0.2.1]",
        "smtp; 550 5.7.9 This mail has been blocked because the sender is unauthenticated",
      ],
    ],
  ];

  it.each(
    families.flatMap(([family, expected, diagnostics]) =>
      diagnostics.flatMap((diagnostic) =>
        (["Permanent", "Transient", "Undetermined"] as const).map(
          (type) => [family, type, diagnostic, expected] as const,
        ),
      ),
    ),
  )("%s: %s %j reads as %s", (_family, type, diagnostic, expected) => {
    const reading = classifyBounce(
      evidence(type, type === "Undetermined" ? "Undetermined" : "General", undefined, diagnostic),
    );
    expect(`${reading.class}/${reading.reason}`).toBe(expected);
  });

  it.each([
    ["the sender's null MX", "smtp; 550 5.7.27 Sender address has null MX", "block/rejected"],
    [
      "a mailbox taking mail only from some senders",
      "smtp; 550 This mailbox does not accept mail from external senders",
      "block/filtered",
    ],
    [
      "a domain that takes no mail at all",
      "smtp; 556 5.1.10 example.org does not accept mail (null MX)",
      "hard/notaccept",
    ],
    [
      "an expired delivery time, not an expired address",
      "smtp; 550 Recipient address rejected: Delivery time expired",
      "soft/expired",
    ],
    [
      "the message's length against the system",
      "smtp; 552 5.3.4 Message length exceeds 10485760 bytes",
      "soft/mesgtoobig",
    ],
    [
      "the message's length against the mailbox's limit",
      "smtp; 552 5.2.3 Message length exceeds limit set by recipient",
      "soft/exceedlimit",
    ],
  ])("reads %s as %s", (_what, diagnostic, expected) => {
    const reading = classifyBounce(evidence("Permanent", "General", undefined, diagnostic));
    expect(`${reading.class}/${reading.reason}`).toBe(expected);
  });

  it("names advice about SPF without a failure no authentication failure", () => {
    const reading = classifyBounce(
      evidence(
        "Permanent",
        "General",
        "5.0.0",
        "smtp; Your email was rejected due to spam classification. Set up SPF records for your sending domain.",
      ),
    );
    expect(reading.reason).toBe("spamdetected");
  });

  it("reads a procmail failure as the delivery program's, not as an unknown user", () => {
    const reading = classifyBounce(
      evidence(
        "Permanent",
        "General",
        "5.1.1",
        'x-unix; procmail: Couldn\'t create "/var/spool/mail/jane": No such user',
      ),
    );
    expect(reading).toMatchObject({ class: "soft", reason: "mailererror" });
  });

  it("explains a refusal at MAIL FROM by the phrase that named the phase", () => {
    const reading = classifyBounce(
      evidence(
        "Permanent",
        "General",
        undefined,
        "SMTP error from remote mail server after MAIL FROM:<b@sender.example> SIZE=2048: 550 5.1.0 <b@sender.example>: User unknown",
      ),
    );
    expect(reading.explanation).toBe(
      'The diagnostic text "user unknown", in a refusal at MAIL FROM ("after mail from", before any recipient was named), means rejected (block), overriding status 5.1.0 (addressing status) and SES\'s Permanent/General label.',
    );
  });

  it("has a strong phrase family for every reason a phrase can name", () => {
    const textReasons = REASONS.filter(
      (reason) => !["feedback", "delivered", "suppressed", "undefined"].includes(reason),
    );
    expect(new Set(STRONG_RULES.map((rule) => rule.reason))).toEqual(new Set(textReasons));
  });
});
