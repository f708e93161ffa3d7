// The ready app's context, as given on the command line (strings) or in cdk.json (JSON values).
import { describe, expect, it } from "vitest";
import {
  type AppConfig,
  appConfigFromContext,
  checkContextKeys,
  InvalidContextError,
} from "../../bin/app-config.ts";

const configOf = (context: Record<string, unknown>): AppConfig => appConfigFromContext((key) => context[key]);

describe("appConfigFromContext", () => {
  it("returns no settings when the context is empty, leaving the construct's defaults", () => {
    expect(configOf({})).toEqual({});
  });

  it("reads command-line strings into typed settings", () => {
    const config = configOf({
      identities: "example.com, ops@example.org",
      configurationSet: "marketing",
      alarmEmail: "ops@example.com",
      softBounceThreshold: "3",
      publishDeliveryEvents: "true",
      logAddresses: "false",
      presendCheckAccounts: "111122223333, 444455556666",
      sesSuppressionListSync: "true",
      keyedAddresses: "false",
    });

    expect(config).toEqual({
      identities: ["example.com", "ops@example.org"],
      configurationSetName: "marketing",
      alarmEmail: "ops@example.com",
      softBounceThreshold: 3,
      publishDeliveryEvents: true,
      logAddresses: false,
      presendCheckAccounts: ["111122223333", "444455556666"],
      sesSuppressionListSync: true,
      keyedAddresses: false,
    });
  });

  it("reads cdk.json values (lists, booleans, numbers) the same way", () => {
    const config = configOf({
      identities: ["example.com"],
      createConfigurationSet: true,
      softBounceThreshold: 7,
      sesSuppressionListSync: false,
      keyedAddresses: true,
    });

    expect(config).toEqual({
      identities: ["example.com"],
      createConfigurationSet: true,
      softBounceThreshold: 7,
      sesSuppressionListSync: false,
      keyedAddresses: true,
    });
  });

  it.each([
    [
      "a threshold that is not a number",
      { softBounceThreshold: "five" },
      'context "softBounceThreshold" must be an integer, got "five"',
    ],
    [
      "a flag that is not a boolean",
      { publishDeliveryEvents: "yes" },
      'context "publishDeliveryEvents" must be true or false, got "yes"',
    ],
    [
      "a suppression-list sync flag that is not a boolean",
      { sesSuppressionListSync: "on" },
      'context "sesSuppressionListSync" must be true or false, got "on"',
    ],
    [
      "a keyed-addresses flag that is not a boolean",
      { keyedAddresses: 1 },
      'context "keyedAddresses" must be true or false, got 1',
    ],
    [
      "identities that are not strings",
      { identities: [1, 2] },
      'context "identities" must be a comma-separated list of strings, got [1,2]',
    ],
    [
      "a configuration set name SES would refuse",
      { configurationSet: "my set" },
      'context "configurationSet" must be an SES configuration set name (letters, digits, _ or -, at most 64), got "my set"',
    ],
    [
      "an alarm e-mail that is not an address",
      { alarmEmail: "ops" },
      'context "alarmEmail" must be an e-mail address, got "ops"',
    ],
    [
      "a pre-send check account id that is not 12 digits",
      { presendCheckAccounts: "111122223333,4444" },
      'context "presendCheckAccounts" must be 12-digit AWS account ids, got "4444"',
    ],
    [
      "an existing and a new configuration set at once",
      { configurationSet: "marketing", createConfigurationSet: "true" },
      'context "configurationSet" ("marketing") and "createConfigurationSet" are mutually exclusive',
    ],
  ])("rejects %s", (_label, context, message) => {
    expect(() => configOf(context)).toThrow(InvalidContextError);
    expect(() => configOf(context)).toThrow(message);
  });
});

describe("checkContextKeys", () => {
  it("accepts the app's keys and the framework's (feature flags, toolkit keys, lookups)", () => {
    expect(() =>
      checkContextKeys([
        "identities",
        "keyedAddresses",
        "@aws-cdk/core:enablePartitionLiterals",
        "aws:cdk:bundling-stacks",
        "availability-zones:account=111122223333:region=eu-west-1",
        "acknowledged-issue-numbers",
      ]),
    ).not.toThrow();
  });

  it("stops on a misspelt key and suggests the one meant", () => {
    expect(() => checkContextKeys(["identitites"])).toThrow(
      'unknown context key "identitites" (did you mean "identities"?); the app reads identities, configurationSet',
    );
    expect(() => checkContextKeys(["softbouncethreshold"])).toThrow('(did you mean "softBounceThreshold"?)');
  });

  it("names an unknown key without a suggestion when nothing known is close, and the others it found", () => {
    expect(() => checkContextKeys(["region", "tableName"])).toThrow(
      /^unknown context key "region"; the app reads .* \(also unknown: tableName\)$/,
    );
  });
});
