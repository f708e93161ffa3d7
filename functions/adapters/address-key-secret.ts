// Loads the HMAC secret for keyed mode from Secrets Manager, once per container.
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { type AddressKeys, hmacKeys, PLAIN_KEYS } from "../core/address-key.ts";

/** Plain keys without a secret; HMAC keys from the secret's string value when one is named. */
export async function loadAddressKeys(
  secretArn: string | undefined,
  client?: Pick<SecretsManagerClient, "send">,
): Promise<AddressKeys> {
  if (secretArn === undefined) return PLAIN_KEYS;
  // Loaded only in keyed mode, so functions without it never initialise this SDK client.
  const secretsManager = await import("@aws-sdk/client-secrets-manager");
  const secret = await (client ?? new secretsManager.SecretsManagerClient({})).send(
    new secretsManager.GetSecretValueCommand({ SecretId: secretArn }),
  );
  if (secret.SecretString === undefined) {
    throw new Error(`secret ${secretArn} has no string value to key addresses with`);
  }
  return hmacKeys(secret.SecretString);
}
