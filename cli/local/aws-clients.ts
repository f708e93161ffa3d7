// Settings shared by the SDK clients that talk to the local stand-ins for AWS.
export const LOCAL_REGION = "us-east-1";
export const LOCAL_ACCOUNT = "000000000000";

/** Local emulators accept any signature; these are placeholders, not secrets. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;

export function localClientConfig(endpoint: string) {
  return { region: LOCAL_REGION, endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 3 } as const;
}

/** The AWS SDK warns about Node 20 once per process; the local tools run on it on purpose. */
export function quietSdkWarnings(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
}
