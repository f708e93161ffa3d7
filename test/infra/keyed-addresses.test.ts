// Keyed addresses (the table keyed by HMAC of the address): off, with a generated secret, and with a given one.
// One app, one synthesis.
import { Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { beforeAll, describe, expect, it } from "vitest";
import { BounceGuard } from "../../lib/bounce-guard.ts";
import { BounceGuardStack } from "../../lib/bounce-guard-stack.ts";
import {
  logicalIdOf,
  onlyResource,
  policyStatementsOf,
  roleLogicalIdOf,
  SYNTH_TIMEOUT_MS,
  testApp,
} from "./support.ts";

let plain: BounceGuardStack;
let keyed: BounceGuardStack;
let consumer: Stack;
let consumerGuard: BounceGuard;
let givenSecret: secretsmanager.ISecret;
let sender: iam.Role;
let plainTemplate: Template;
let keyedTemplate: Template;
let consumerTemplate: Template;

beforeAll(() => {
  const app = testApp();
  plain = new BounceGuardStack(app, "Plain");
  keyed = new BounceGuardStack(app, "Keyed", { keyedAddresses: true });
  // Another app's use of the construct with a secret of its own, and a sender of its own checking addresses.
  consumer = new Stack(app, "Consumer");
  givenSecret = secretsmanager.Secret.fromSecretNameV2(consumer, "ExistingKey", "mail/address-key");
  consumerGuard = new BounceGuard(consumer, "Guard", { addressKeySecret: givenSecret });
  sender = new iam.Role(consumer, "Sender", { assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com") });
  consumerGuard.grantCheck(sender);
  plainTemplate = Template.fromStack(plain);
  keyedTemplate = Template.fromStack(keyed);
  consumerTemplate = Template.fromStack(consumer);
}, SYNTH_TIMEOUT_MS);

type Resource = { Type: string; Properties: Record<string, unknown> };

const functionsOf = (stack: Stack, template: Template, guard: BounceGuard) =>
  [guard.classifier, guard.presendCheck].map((fn) => ({
    resource: template.toJSON().Resources[logicalIdOf(stack, fn.functionName)] as Resource,
  }));
const variablesOf = (fn: { resource: Resource }) =>
  (fn.resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
const secretReadBy = (template: Template, fn: { resource: Resource }) =>
  policyStatementsOf(template, roleLogicalIdOf(fn)).filter((statement) =>
    JSON.stringify(statement.Action).includes("secretsmanager:"),
  );

describe("plain addresses (the default)", () => {
  it("creates no secret, sets no ADDRESS_KEY_SECRET_ARN and outputs no secret ARN", () => {
    plainTemplate.resourceCountIs("AWS::SecretsManager::Secret", 0);
    for (const fn of functionsOf(plain, plainTemplate, plain.bounceGuard)) {
      expect(variablesOf(fn)).not.toHaveProperty("ADDRESS_KEY_SECRET_ARN");
    }
    expect(plainTemplate.findOutputs("AddressKeySecretArn")).toEqual({});
    expect(plain.bounceGuard.addressKeySecret).toBeUndefined();
  });
});

describe("keyed addresses with a generated secret", () => {
  const secret = () => onlyResource(keyedTemplate, "AWS::SecretsManager::Secret");
  const secretRef = () => ({ Ref: secret().logicalId });

  it("keeps the secret's logical ID, so an update never replaces the key", () => {
    expect(secret().logicalId).toBe("BounceGuardAddressKeySecret67AF6A6E");
    expect(keyed.resolve(keyed.bounceGuard.addressKeySecret?.secretArn)).toEqual(secretRef());
  });

  it("retains the secret on stack deletion and on replacement", () => {
    expect(secret().resource.DeletionPolicy).toBe("Retain");
    expect(secret().resource.UpdateReplacePolicy).toBe("Retain");
  });

  it("generates 64 letters and digits, encrypted with the construct's key", () => {
    expect(secret().resource.Properties).toMatchObject({
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
      KmsKeyId: keyed.resolve(keyed.bounceGuard.encryptionKey.keyArn),
    });
  });

  it("denies deleting, rotating or replacing the secret's value to everyone", () => {
    const policy = onlyResource(keyedTemplate, "AWS::SecretsManager::ResourcePolicy");

    expect(policy.resource.Properties).toEqual({
      SecretId: secretRef(),
      ResourcePolicy: {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyLosingTheAddressKey",
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: [
              "secretsmanager:DeleteSecret",
              "secretsmanager:PutSecretValue",
              "secretsmanager:RotateSecret",
              "secretsmanager:UpdateSecretVersionStage",
            ],
            Resource: "*",
          },
        ],
      },
    });
  });

  it("gives both functions the secret's ARN as ADDRESS_KEY_SECRET_ARN", () => {
    for (const fn of functionsOf(keyed, keyedTemplate, keyed.bounceGuard)) {
      expect(variablesOf(fn).ADDRESS_KEY_SECRET_ARN).toEqual(secretRef());
    }
  });

  it("lets both functions read the secret, and nothing more of it", () => {
    for (const fn of functionsOf(keyed, keyedTemplate, keyed.bounceGuard)) {
      expect(secretReadBy(keyedTemplate, fn)).toEqual([
        {
          Effect: "Allow",
          Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
          Resource: secretRef(),
        },
      ]);
    }
  });

  it("lets both functions decrypt the secret through Secrets Manager", () => {
    const roles = functionsOf(keyed, keyedTemplate, keyed.bounceGuard).map((fn) => ({
      "Fn::GetAtt": [roleLogicalIdOf(fn), "Arn"],
    }));
    const { resource } = onlyResource(keyedTemplate, "AWS::KMS::Key");
    const decrypt = (
      resource.Properties.KeyPolicy as { Statement: Record<string, unknown>[] }
    ).Statement.find(
      (statement) =>
        statement.Action === "kms:Decrypt" && JSON.stringify(statement.Condition).includes("kms:ViaService"),
    );

    expect(decrypt?.Principal).toEqual({ AWS: roles });
  });

  it("outputs the secret's ARN for operators", () => {
    expect(keyedTemplate.findOutputs("AddressKeySecretArn")).toEqual({
      AddressKeySecretArn: expect.objectContaining({ Value: secretRef() }),
    });
  });
});

describe("keyed addresses with a given secret", () => {
  const givenArn = () => consumer.resolve(givenSecret.secretArn);

  it("creates no secret of its own and exposes the given one", () => {
    consumerTemplate.resourceCountIs("AWS::SecretsManager::Secret", 0);
    expect(consumerGuard.addressKeySecret).toBe(givenSecret);
  });

  it("gives both functions the given secret's ARN and lets them read it", () => {
    for (const fn of functionsOf(consumer, consumerTemplate, consumerGuard)) {
      expect(variablesOf(fn).ADDRESS_KEY_SECRET_ARN).toEqual(givenArn());
      expect(secretReadBy(consumerTemplate, fn)).toHaveLength(1);
    }
  });

  it("lets a sender granted grantCheck read the secret it needs to find an address", () => {
    expect(
      policyStatementsOf(consumerTemplate, logicalIdOf(consumer, sender.roleName)).map(
        (statement) => statement.Action,
      ),
    ).toEqual([
      ["dynamodb:BatchGetItem", "dynamodb:GetItem"],
      ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
    ]);
  });
});
