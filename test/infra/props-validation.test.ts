// BounceGuard rejects props it cannot deploy while the app is built, naming the prop and the bad value.
// Nothing is synthesized here: construction alone throws.
import { Duration, Stack } from "aws-cdk-lib";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as ses from "aws-cdk-lib/aws-ses";
import { describe, expect, it } from "vitest";
import { BounceGuard, type BounceGuardProps } from "../../lib/bounce-guard.ts";
import { InvalidPropsError } from "../../lib/errors.ts";
import { testApp } from "./support.ts";

function build(props: BounceGuardProps | ((stack: Stack) => BounceGuardProps)): () => BounceGuard {
  return () => {
    const stack = new Stack(testApp(), "Stack");
    return new BounceGuard(stack, "Guard", typeof props === "function" ? props(stack) : props);
  };
}

describe("BounceGuard props validation", () => {
  it.each([
    [
      "a soft-bounce threshold of 0",
      { softBounceThreshold: 0 },
      "softBounceThreshold must be an integer between 1 and 25, got 0",
    ],
    [
      "a soft-bounce threshold above 25",
      { softBounceThreshold: 26 },
      "softBounceThreshold must be an integer between 1 and 25, got 26",
    ],
    [
      "a fractional soft-bounce threshold",
      { softBounceThreshold: 2.5 },
      "softBounceThreshold must be an integer between 1 and 25, got 2.5",
    ],
    [
      "a retry interval under a minute",
      { retryInterval: Duration.seconds(30) },
      "retryIntervalSeconds must be an integer between 60 and 2592000, got 30",
    ],
    [
      "a retry interval that is not whole seconds",
      { retryInterval: Duration.millis(1500) },
      "retryInterval must be a whole number of seconds, got 1 second 500 millis",
    ],
    [
      "a soft-bounce memory under an hour",
      { softBounceMemory: Duration.minutes(5) },
      "softBounceMemorySeconds must be an integer between 3600",
    ],
    [
      "a history TTL over ten years",
      { historyTtl: Duration.days(4000) },
      "historyTtlSeconds must be an integer between 86400 and 315360000",
    ],
    [
      "an identity that is neither a domain nor an address",
      { identities: ["not a domain"] },
      'identities must be domains or e-mail addresses, got "not a domain"',
    ],
    [
      "the same identity twice",
      { identities: ["example.com", "Example.com"] },
      'identities must not repeat, got "Example.com" twice',
    ],
    [
      "an alarm e-mail that is not an address",
      { alarmEmail: "ops-at-example.com" },
      'alarmEmail must be an e-mail address, got "ops-at-example.com"',
    ],
    [
      "a metrics namespace reserved for AWS",
      { metricsNamespace: "AWS/SES" },
      'metricsNamespace must be 1-255 letters, digits or . _ - / # : and not start with "AWS/", got "AWS/SES"',
    ],
    ["a metrics namespace with a quote", { metricsNamespace: "it's" }, `got "it's"`],
    [
      "a classifier timeout over 15 minutes",
      { classifierTimeout: Duration.minutes(16) },
      "classifierTimeout must be a whole number of seconds between 1 and 900, got 16 minutes",
    ],
    [
      "a pre-send check account id that is not 12 digits",
      { presendCheckAccounts: ["12345"] },
      'presendCheckAccounts must be 12-digit AWS account ids, got "12345"',
    ],
    [
      "a pre-send check account given as an ARN",
      { presendCheckAccounts: ["arn:aws:iam::111122223333:root"] },
      'presendCheckAccounts must be 12-digit AWS account ids, got "arn:aws:iam::111122223333:root"',
    ],
    [
      "the same pre-send check account twice",
      { presendCheckAccounts: ["111122223333", "111122223333"] },
      'presendCheckAccounts must not repeat, got "111122223333" twice',
    ],
    [
      "a classifier memory under 128 MiB",
      { classifierMemorySize: 64 },
      "classifierMemorySize must be an integer between 128 and 10240, got 64",
    ],
  ] satisfies [string, BounceGuardProps, string][])("rejects %s", (_label, props, message) => {
    expect(build(props)).toThrow(InvalidPropsError);
    expect(build(props)).toThrow(message);
  });

  it("rejects an existing configuration set together with createConfigurationSet", () => {
    const props = (stack: Stack): BounceGuardProps => ({
      configurationSet: ses.ConfigurationSet.fromConfigurationSetName(stack, "Existing", "marketing"),
      createConfigurationSet: true,
    });

    expect(build(props)).toThrow(
      'configurationSet and createConfigurationSet are mutually exclusive, got configurationSet "marketing" and createConfigurationSet true',
    );
  });

  it("rejects a given address key secret with keyedAddresses false", () => {
    const props = (stack: Stack): BounceGuardProps => ({
      addressKeySecret: secretsmanager.Secret.fromSecretNameV2(stack, "Existing", "mail/address-key"),
      keyedAddresses: false,
    });

    expect(build(props)).toThrow(InvalidPropsError);
    expect(build(props)).toThrow(
      'addressKeySecret keys the table by HMAC while keyedAddresses false asks for plain addresses, got addressKeySecret "Stack/Existing" and keyedAddresses false',
    );
  });

  it("accepts the defaults", () => {
    expect(build({})).not.toThrow();
  });
});
