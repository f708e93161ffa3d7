// The optional adapters unbundled, and as a bundle built without them answers a configuration that asks for them.
import { afterEach, describe, expect, it } from "vitest";
import { ConfigurationError } from "../../functions/adapters/environment.ts";
import { addressKeysFor, sesSuppressionList } from "../../functions/adapters/optional-adapters.ts";
import { PLAIN_KEYS } from "../../functions/core/address-key.ts";

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:bounce-guard-key-AbCdEf";
const WITHOUT_KEYED = "BOUNCE_GUARD_BUNDLE_WITHOUT_KEYED_ADDRESSES";
const WITHOUT_SES = "BOUNCE_GUARD_BUNDLE_WITHOUT_SES_SUPPRESSION_LIST";

afterEach(() => {
  delete process.env[WITHOUT_KEYED];
  delete process.env[WITHOUT_SES];
});

describe("addressKeysFor", () => {
  it("gives plain keys without a secret, whatever the bundle holds", async () => {
    process.env[WITHOUT_KEYED] = "true";
    expect(await addressKeysFor(undefined)).toBe(PLAIN_KEYS);
  });

  it("refuses a secret in a bundle built without keyed addresses, naming the stack's settings", async () => {
    process.env[WITHOUT_KEYED] = "true";
    const attempt = addressKeysFor(SECRET_ARN);
    await expect(attempt).rejects.toBeInstanceOf(ConfigurationError);
    await expect(attempt).rejects.toThrow(/ADDRESS_KEY_SECRET_ARN.*keyedAddresses.*addressKeySecret/);
  });
});

describe("sesSuppressionList", () => {
  it("builds the SES v2 port when the bundle holds it", async () => {
    const sync = await sesSuppressionList();
    expect(typeof sync.put).toBe("function");
    expect(typeof sync.remove).toBe("function");
  });

  it("refuses in a bundle built without it, naming the stack's settings", async () => {
    process.env[WITHOUT_SES] = "true";
    const attempt = sesSuppressionList();
    await expect(attempt).rejects.toBeInstanceOf(ConfigurationError);
    await expect(attempt).rejects.toThrow(/SES_SUPPRESSION_SYNC.*sesSuppressionListSync.*sesDeferralMirror/);
  });
});
