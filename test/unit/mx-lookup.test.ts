// The DNS functions are stand-ins: nothing here may reach the network, and real resolvers cannot
// be made to answer with a null MX, SERVFAIL or silence on demand.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalDynamoDb, startLocalDynamoDb } from "../../cli/local/dynamodb.ts";
import { DynamoDbSuppressionStore } from "../../functions/adapters/dynamodb-store.ts";
import { silentLogger } from "../../functions/adapters/logger.ts";
import { createMxResolver, type DnsFunctions } from "../../functions/adapters/mx-lookup.ts";
import { DEFAULT_POLICY } from "../../functions/core/policy.ts";
import { createPresendCheck } from "../../functions/presend-check.ts";
import { START } from "../fixtures/scenarios/feedback.ts";

type MxRecords = { exchange: string; priority: number }[];

/** What the stand-in DNS knows about a domain: records, an error code, or no answer ever. */
type Answer<T extends unknown[]> = T | { code: string } | "silence";

interface Zone {
  readonly mx?: Answer<MxRecords>;
  readonly a?: Answer<string[]>;
}

/** A DNS stand-in answering from `zones` (ENOTFOUND for a domain it does not know), counting calls. */
function dnsOf(zones: Record<string, Zone>) {
  const calls: string[] = [];
  const answer = <T extends unknown[]>(
    kind: "MX" | "A",
    domain: string,
    value: Answer<T> | undefined,
  ): Promise<T> => {
    calls.push(`${kind} ${domain}`);
    if (value === "silence") return new Promise<T>(() => {});
    if (value === undefined) {
      const known = domain in zones;
      return Promise.reject(
        Object.assign(new Error(`query ${known ? "ENODATA" : "ENOTFOUND"} ${domain}`), {
          code: known ? "ENODATA" : "ENOTFOUND",
        }),
      );
    }
    if (Array.isArray(value)) return Promise.resolve(value);
    return Promise.reject(Object.assign(new Error(`query ${value.code} ${domain}`), { code: value.code }));
  };
  const functions: DnsFunctions = {
    resolveMx: (domain) => answer("MX", domain, zones[domain]?.mx),
    resolve4: (domain) => answer("A", domain, zones[domain]?.a),
  };
  return { functions, calls };
}

const ZONES: Record<string, Zone> = {
  "mail.example": { mx: [{ exchange: "mx1.mail.example", priority: 10 }] },
  "null-mx.example": { mx: [{ exchange: "", priority: 0 }] },
  "null-mx-dot.example": { mx: [{ exchange: ".", priority: 0 }] },
  "implicit-mx.example": { a: ["192.0.2.10"] },
  "no-records.example": {},
  "slow.example": { mx: "silence" },
  "servfail.example": { mx: { code: "ESERVFAIL" } },
  "refused.example": { mx: { code: "EREFUSED" } },
  "a-servfail.example": { a: { code: "ESERVFAIL" } },
};

describe("createMxResolver", () => {
  it.each([
    { domain: "mail.example", situation: "publishes an MX", kind: "accepts-mail" },
    { domain: "null-mx.example", situation: 'publishes a null MX ("")', kind: "no-mail" },
    { domain: "null-mx-dot.example", situation: 'publishes a null MX (".")', kind: "no-mail" },
    { domain: "missing.example", situation: "does not exist (ENOTFOUND)", kind: "no-mail" },
    {
      domain: "implicit-mx.example",
      situation: "has no MX but an A record (implicit MX)",
      kind: "accepts-mail",
    },
    { domain: "no-records.example", situation: "has neither MX nor A records", kind: "no-mail" },
    { domain: "slow.example", situation: "does not answer before the timeout", kind: "unknown" },
    { domain: "servfail.example", situation: "fails with SERVFAIL", kind: "unknown" },
    { domain: "refused.example", situation: "refuses the query", kind: "unknown" },
    { domain: "a-servfail.example", situation: "has no MX and fails the A lookup", kind: "unknown" },
  ])("answers $kind for a domain that $situation", async ({ domain, kind }) => {
    // Prepare
    const { functions } = dnsOf(ZONES);
    const resolver = createMxResolver({ dnsFunctions: functions, timeoutMs: 20 });

    // Act
    const answer = await resolver.lookup(domain);

    // Assess
    expect(answer.kind).toBe(kind);
  });

  it("names the timeout in the answer to a lookup that took too long", async () => {
    // Prepare
    const { functions } = dnsOf(ZONES);
    const resolver = createMxResolver({ dnsFunctions: functions, timeoutMs: 20 });

    // Act
    const answer = await resolver.lookup("slow.example");

    // Assess
    expect(answer).toEqual({ kind: "unknown", message: "MX lookup for slow.example failed (ETIMEOUT)" });
  });

  it("answers a second lookup of a domain from the cache without asking DNS again", async () => {
    // Prepare
    const { functions, calls } = dnsOf(ZONES);
    let clock = START.getTime();
    const resolver = createMxResolver({ dnsFunctions: functions, cacheSeconds: 60, now: () => clock });
    await resolver.lookup("mail.example");
    clock += 59_999;

    // Act
    const answer = await resolver.lookup("mail.example");

    // Assess
    expect(answer).toEqual({ kind: "accepts-mail" });
    expect(calls).toEqual(["MX mail.example"]);
  });

  it("asks DNS again once the cached answer is cacheSeconds old", async () => {
    // Prepare
    const { functions, calls } = dnsOf(ZONES);
    let clock = START.getTime();
    const resolver = createMxResolver({ dnsFunctions: functions, cacheSeconds: 60, now: () => clock });
    await resolver.lookup("mail.example");
    clock += 60_000;

    // Act
    await resolver.lookup("mail.example");

    // Assess
    expect(calls).toEqual(["MX mail.example", "MX mail.example"]);
  });

  it("keeps at most cacheLimit domains, dropping the oldest, so endless distinct domains cannot grow it", async () => {
    // Prepare
    const { functions, calls } = dnsOf(ZONES);
    const resolver = createMxResolver({ dnsFunctions: functions, cacheLimit: 3 });
    for (const domain of ["a.example", "b.example", "c.example", "d.example"]) await resolver.lookup(domain);
    calls.length = 0;

    // Act
    await resolver.lookup("d.example");
    await resolver.lookup("a.example");

    // Assess: d was still cached; a, the oldest, had been dropped and is asked for again.
    expect(calls).toEqual(["MX a.example"]);
  });

  it("shares one lookup between concurrent requests for the same domain", async () => {
    // Prepare
    const { functions, calls } = dnsOf(ZONES);
    const resolver = createMxResolver({ dnsFunctions: functions });

    // Act
    const answers = await Promise.all(
      ["mail.example", "implicit-mx.example", "mail.example"].map((domain) => resolver.lookup(domain)),
    );

    // Assess
    expect(answers.map((answer) => answer.kind)).toEqual(["accepts-mail", "accepts-mail", "accepts-mail"]);
    expect(calls).toEqual(["MX mail.example", "MX implicit-mx.example", "A implicit-mx.example"]);
  });
});

describe("the pre-send check with the mx check", () => {
  let dynamo: LocalDynamoDb;

  beforeAll(async () => {
    dynamo = await startLocalDynamoDb();
  });

  afterAll(async () => {
    await dynamo.close();
  });

  function checkWith(zones: Record<string, Zone>) {
    const { functions, calls } = dnsOf(zones);
    const check = createPresendCheck({
      store: new DynamoDbSuppressionStore(dynamo.client, dynamo.tableName, DEFAULT_POLICY),
      policy: DEFAULT_POLICY,
      logger: silentLogger,
      resolver: createMxResolver({ dnsFunctions: functions, timeoutMs: 20 }),
      now: () => START,
    });
    return { check, calls };
  }

  it.each([
    { domain: "slow.example", failure: "a DNS timeout" },
    { domain: "servfail.example", failure: "a SERVFAIL" },
  ])("does not mark an address invalid for $failure", async ({ domain }) => {
    // Prepare
    const { check } = checkWith(ZONES);

    // Act
    const response = await check({ addresses: [`someone@${domain}`], checks: ["syntax", "mx"] });

    // Assess
    expect(response).toEqual({
      results: [expect.objectContaining({ address: `someone@${domain}`, verdict: "send", reason: "ok" })],
    });
  });

  it.each([
    { domain: "null-mx.example", message: "null-mx.example publishes a null MX: it accepts no mail" },
    { domain: "missing.example", message: "missing.example does not exist in DNS" },
  ])("marks an address at $domain invalid as a domain that takes no mail", async ({ domain, message }) => {
    // Prepare
    const { check } = checkWith(ZONES);

    // Act
    const response = await check({ addresses: [`someone@${domain}`], checks: ["mx"] });

    // Assess
    expect(response).toEqual({
      results: [
        {
          address: `someone@${domain}`,
          normalized: `someone@${domain}`,
          verdict: "invalid",
          reason: "no-mail-domain",
          explanation: message,
        },
      ],
    });
  });

  it("looks up each domain once per request and not at all without the mx check", async () => {
    // Prepare
    const { check, calls } = checkWith(ZONES);
    const addresses = ["a@mail.example", "b@mail.example", "c@mail.example"];

    // Act
    await check({ addresses });
    const callsWithoutMx = calls.length;
    await check({ addresses, checks: ["mx"] });

    // Assess
    expect(callsWithoutMx).toBe(0);
    expect(calls).toEqual(["MX mail.example"]);
  });
});
