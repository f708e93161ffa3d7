// Loads the HMAC secret for keyed mode from Secrets Manager, once per container.
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { type AddressKeys, hmacKeys, PLAIN_KEYS } from "../core/address-key.ts";

/** Plain keys without a secret; HMAC keys from the secret's string value when one is named. */
export async function loadAddressKeys(
  secretArn: string | undefined,
  client?: Pick<SecretsManagerClient, "send">,
): Promise<AddressKeys> {
  if (secretArn === undefined) return PLAIN_KEYS;
  // Created only in keyed mode. Imported statically: bundled, a static import keeps the one
  // command, where a dynamic import keeps the whole client.
  const secret = await (client ?? new SecretsManagerClient({})).send(
    new GetSecretValueCommand({ SecretId: secretArn }),
  );
  if (secret.SecretString === undefined) {
    throw new Error(`secret ${secretArn} has no string value to key addresses with`);
  }
  return hmacKeys(secret.SecretString);
}
