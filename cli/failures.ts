// Every error a command can meet, from the OS, AWS or the local emulators, as one line that says
// what went wrong and what to do; never a stack trace (BOUNCE_GUARD_DEBUG=1 adds it for developers).
import { CommandFailure } from "./command.ts";

type Environment = Readonly<Record<string, string | undefined>>;

interface SystemError {
  readonly code?: string;
  readonly path?: string;
  readonly syscall?: string;
}

const FILE_ERRORS: Readonly<Record<string, (path: string) => string>> = {
  ENOENT: (path) => `${path}: no such file or folder`,
  EISDIR: (path) => `${path} is a folder; give a file`,
  ENOTDIR: (path) => `${path}: a part of this path is a file, not a folder`,
  EEXIST: (path) => `${path} exists and is not a folder; give --data a folder`,
  EACCES: (path) => `${path}: permission denied; check its owner and mode`,
  EPERM: (path) => `${path}: operation not permitted; check its owner and mode`,
  ENOSPC: (path) => `no space left on the device holding ${path}; free some and run it again`,
  EROFS: (path) => `${path} is on a read-only file system; choose another folder with --data`,
  EMFILE: () => "too many open files; raise the limit (ulimit -n) or close other programs",
  ENAMETOOLONG: (path) => `${path.slice(0, 60)}…: the name is too long`,
};

const NETWORK_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT"]);

/** AWS errors by the name the SDK gives them. */
const AWS_ERRORS: Readonly<Record<string, (message: string) => string>> = {
  CredentialsProviderError: () =>
    "no AWS credentials found: configure a profile (aws configure, aws sso login) or set AWS_PROFILE; without --stack/--table the local store needs none",
  ExpiredToken: () => "the AWS credentials have expired: renew them (aws sso login) and run it again",
  ExpiredTokenException: () =>
    "the AWS credentials have expired: renew them (aws sso login) and run it again",
  UnrecognizedClientException: () =>
    "AWS does not recognise these credentials: check AWS_PROFILE or the keys in use",
  InvalidClientTokenId: () =>
    "AWS does not recognise these credentials: check AWS_PROFILE or the keys in use",
  InvalidSignatureException: () => "AWS refused the request signature: check the secret key and the clock",
  AccessDenied: (message) => `AWS denied the request: ${message}; grant the missing permission and retry`,
  AccessDeniedException: (message) =>
    `AWS denied the request: ${message}; grant the missing permission and retry`,
  ResourceNotFoundException: (message) =>
    `${message}: check the name (--table or --stack) and the Region (--region)`,
  QueueDoesNotExist: () => "the queue does not exist: check --queue-url/--dlq-url or --stack, and --region",
  "AWS.SimpleQueueService.NonExistentQueue": () =>
    "the queue does not exist: check --queue-url/--dlq-url or --stack, and --region",
  ThrottlingException: () => "AWS is throttling the requests: wait a little and run it again",
  ProvisionedThroughputExceededException: () =>
    "the table's throughput is exhausted: wait a little and run it again",
  RequestLimitExceeded: () => "AWS is throttling the requests: wait a little and run it again",
  TimeoutError: () => "AWS did not answer in time: check the network and run it again",
};

/** LevelDB under dynalite: another process has the local store open. */
function isStoreLockError(error: Error & SystemError): boolean {
  return (
    error.code === "LEVEL_DATABASE_NOT_OPEN" ||
    error.code === "LEVEL_LOCKED" ||
    /Database is (?:not open|closed)|LOCK: (?:Resource temporarily unavailable|already held)/.test(
      `${error.message} ${String((error as { cause?: { message?: string } }).cause?.message ?? "")}`,
    )
  );
}

function describe(error: unknown): string {
  if (error instanceof CommandFailure) return error.message;
  if (!(error instanceof Error)) return `unexpected failure: ${String(error)}`;
  const system = error as Error & SystemError;
  if (isStoreLockError(system)) {
    return "the local store is in use by another process; wait for it to finish, or use another --data folder";
  }
  if (/Region is missing/i.test(error.message)) {
    return "no AWS Region: give --region, set BOUNCE_GUARD_REGION or AWS_REGION, or put region in .bounce-guard/config.json";
  }
  const byName = AWS_ERRORS[error.name];
  if (byName !== undefined) return byName(error.message.split("\n")[0] ?? "");
  if (system.code !== undefined && NETWORK_CODES.has(system.code)) {
    return `cannot reach the service (${system.code}): check the network, the proxy and --region`;
  }
  const byCode = system.code !== undefined ? FILE_ERRORS[system.code] : undefined;
  if (byCode !== undefined) return byCode(system.path ?? "a file");
  const first = error.message.split("\n")[0] ?? "";
  return `unexpected ${error.name}: ${first} (BOUNCE_GUARD_DEBUG=1 shows the details)`;
}

/** One line for the operator; with BOUNCE_GUARD_DEBUG set, the stack follows on the next lines. */
export function describeFailure(error: unknown, env: Environment): string {
  const line = describe(error).replace(/\s*\n\s*/g, " ");
  const debug = env.BOUNCE_GUARD_DEBUG;
  if (debug !== undefined && debug !== "" && debug !== "0" && error instanceof Error) {
    return `${line}\n${error.stack ?? ""}`;
  }
  return line;
}
