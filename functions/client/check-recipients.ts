// The client for services that send: invoke the pre-send check and get one answer per address.
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from "@aws-sdk/client-lambda";
import type { ValidationCheck } from "../core/address-checks.ts";
import { MAX_ADDRESSES, type PresendAnswer } from "../core/presend.ts";

export interface CheckRecipientsOptions {
  /** The pre-send check function's name or ARN (an ARN for a function in another account). */
  readonly functionName: string;
  readonly checks?: readonly ValidationCheck[];
  readonly lambdaClient?: Pick<LambdaClient, "send">;
}

/** The function answered with an error (bad request) or could not be invoked. */
export class PresendCheckError extends Error {
  override readonly name = "PresendCheckError";
  constructor(
    message: string,
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

let defaultClient: LambdaClient | undefined;

/**
 * Ask the pre-send check about `addresses`; lists longer than one request allows are split and
 * the answers joined, in input order.
 */
export async function checkRecipients(
  addresses: readonly string[],
  options: CheckRecipientsOptions,
): Promise<PresendAnswer[]> {
  if (options.lambdaClient === undefined && defaultClient === undefined) defaultClient = new LambdaClient({});
  const client = options.lambdaClient ?? (defaultClient as LambdaClient);
  const answers: PresendAnswer[] = [];
  for (let start = 0; start < addresses.length; start += MAX_ADDRESSES) {
    const payload = {
      addresses: addresses.slice(start, start + MAX_ADDRESSES),
      ...(options.checks ? { checks: options.checks } : {}),
    };
    let response: InvokeCommandOutput;
    try {
      response = await client.send(
        new InvokeCommand({
          FunctionName: options.functionName,
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      );
    } catch (error) {
      throw new PresendCheckError(
        `could not invoke ${options.functionName}: ${(error as Error).message}`,
        "invoke-failed",
        { cause: error },
      );
    }
    const text = new TextDecoder().decode(response.Payload ?? new Uint8Array());
    if (response.FunctionError !== undefined) {
      throw new PresendCheckError(`pre-send check failed: ${text.slice(0, 300)}`, "function-error");
    }
    const body = JSON.parse(text) as { results?: PresendAnswer[]; error?: { code: string; message: string } };
    if (body.error !== undefined) throw new PresendCheckError(body.error.message, body.error.code);
    answers.push(...(body.results ?? []));
  }
  return answers;
}
