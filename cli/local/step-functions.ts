// Step Functions on this machine: the state machine definition synthesized by the stack, executed
// by aws-local-stepfunctions. Its DynamoDB tasks run against the local table for real; EventBridge
// and SES, which cannot run here, are recorded in memory. What the service itself adds is emulated
// here and said so: StartExecution's name uniqueness, `$$.State.EnteredTime`, and the optimized
// PutEvents integration failing the task (EventBridge.FailedEntry) when an entry failed.
import {
  type DynamoDBClient,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { loadOptional } from "./optional-dependency.ts";
import type { VirtualClock } from "./virtual-clock.ts";

// aws-local-stepfunctions is written for Node 22, which has Promise.withResolvers.
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== "function") {
  Object.defineProperty(Promise, "withResolvers", {
    configurable: true,
    writable: true,
    value<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((ok, fail) => {
        resolve = ok;
        reject = fail;
      });
      return { promise, resolve, reject };
    },
  });
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Definition = { StartAt: string; States: Record<string, Record<string, unknown>> };

/** What the template says about one CloudFormation value, resolved with the names given. */
export interface TemplateNames {
  /** Physical names of resources by logical ID (Ref), e.g. the table. */
  readonly refs: Readonly<Record<string, string>>;
  /** `Fn::GetAtt` values by "LogicalId.Attribute". */
  readonly attributes?: Readonly<Record<string, string>>;
}

const PSEUDO: Record<string, string> = {
  "AWS::Partition": "aws",
  "AWS::Region": "local-1",
  "AWS::AccountId": "000000000000",
  "AWS::URLSuffix": "amazonaws.com",
};

function resolveValue(value: unknown, names: TemplateNames): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, names));
  if (typeof value !== "object" || value === null) return value;
  const object = value as Record<string, unknown>;
  if ("Ref" in object) {
    const ref = String(object.Ref);
    const resolved = PSEUDO[ref] ?? names.refs[ref];
    if (resolved === undefined) throw new Error(`no local name for the template reference ${ref}`);
    return resolved;
  }
  if ("Fn::GetAtt" in object) {
    const [id, attribute] = object["Fn::GetAtt"] as [string, string];
    const resolved = names.attributes?.[`${id}.${attribute}`];
    if (resolved === undefined)
      throw new Error(`no local value for the template attribute ${id}.${attribute}`);
    return resolved;
  }
  if ("Fn::Join" in object) {
    const [separator, parts] = object["Fn::Join"] as [string, unknown[]];
    return parts.map((part) => String(resolveValue(part, names))).join(separator);
  }
  return Object.fromEntries(Object.entries(object).map(([key, item]) => [key, resolveValue(item, names)]));
}

/**
 * The definition of the one state machine in a synthesized template, with its references
 * (table name, partition, event bus) resolved to local names. Fails when there is not exactly one.
 */
export function definitionFromTemplate(
  template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> },
  names: TemplateNames,
): Definition {
  const machines = Object.values(template.Resources).filter(
    (resource) => resource.Type === "AWS::StepFunctions::StateMachine",
  );
  if (machines.length !== 1)
    throw new Error(`expected one state machine in the template, found ${machines.length}`);
  const body = resolveValue(machines[0]?.Properties?.DefinitionString, names);
  if (typeof body !== "string") throw new Error("the state machine has no DefinitionString");
  return JSON.parse(body) as Definition;
}

/** An error named the way Step Functions names a service integration's errors. */
function integrationError(service: string, error: unknown): Error {
  const cause = error instanceof Error ? error : new Error(String(error));
  const named = new Error(cause.message);
  named.name = `${service}.${cause.name}`;
  return named;
}

export interface PublishedEvent {
  readonly source: string;
  readonly detailType: string;
  readonly eventBusName: string;
  readonly detail: Record<string, unknown>;
  /** When it was published, on this machine's clock. */
  readonly at: string;
}

export interface ExecutionRecord {
  readonly name: string;
  readonly input: Json;
  status: "RUNNING" | "SUCCEEDED" | "FAILED" | "ABORTED";
  /** States entered, in order: what Step Functions bills as state transitions (retries included). */
  readonly states: string[];
  transitions: number;
  error?: string;
  /** Why it was stopped (StopExecution's cause). */
  stopCause?: string | undefined;
  readonly done: Promise<void>;
}

export interface LocalStepFunctionsOptions {
  readonly definition: Definition;
  readonly dynamodb: DynamoDBClient;
  /** The SES account-level suppression list the optional deferral mirror edits. */
  readonly sesSuppressionList?: Set<string>;
  /** Called for each published event, as it is published. */
  readonly onEvent?: (event: PublishedEvent) => void;
  /** Called when a state is entered, for progress output. */
  readonly onState?: (execution: string, state: string) => void;
  /** Shorter waits between retries of a state's task, in milliseconds, by state name. */
  readonly retryIntervalOverridesMs?: Readonly<Record<string, number>>;
  /**
   * A controlled clock instead of this machine's: `$$.State.EnteredTime` and event times read it,
   * and each Wait state waits on it (run as a local task that sleeps until the instant the Wait
   * names), so figures counted on the executions do not depend on how busy the machine is.
   */
  readonly clock?: VirtualClock;
}

/** The local task a Wait state becomes under a controlled clock. */
const CLOCK_WAIT_RESOURCE = "arn:aws:states:::bounce-guard-local:wait";

/** A value at a simple reference path (`$.a.b`), the only kind the retry window's Wait states use. */
function valueAt(path: string, input: Json): Json | undefined {
  if (!/^\$(\.[A-Za-z_][\w]*)+$/.test(path)) throw new Error(`unsupported path for a Wait state: ${path}`);
  let value: Json | undefined = input;
  for (const key of path.slice(2).split(".")) {
    value =
      typeof value === "object" && value !== null && !Array.isArray(value)
        ? (value as Record<string, Json>)[key]
        : undefined;
  }
  return value;
}

/** A Wait state's field given as a value or as a path into its input (`Seconds`, `SecondsPath`). */
function waitField(state: Record<string, unknown>, field: "Seconds" | "Timestamp", input: Json): unknown {
  const path = state[`${field}Path`];
  return typeof path === "string" ? valueAt(path, input) : state[field];
}

/** The instant a Wait state waits for, given its input and the time it was entered. */
function waitTarget(state: Record<string, unknown>, input: Json, entered: Date): Date {
  const seconds = waitField(state, "Seconds", input);
  const at =
    seconds !== undefined
      ? entered.getTime() + Number(seconds) * 1000
      : Date.parse(String(waitField(state, "Timestamp", input)));
  if (Number.isNaN(at)) throw new Error(`a Wait state the local clock cannot read: ${JSON.stringify(state)}`);
  return new Date(at);
}

/** The definition with each Wait state a local task of the same name, next state and end. */
function withClockWaits(definition: Definition): Definition {
  const states = Object.fromEntries(
    Object.entries(definition.States).map(([name, state]) => {
      if (state.Type !== "Wait") return [name, state];
      const {
        Type: _type,
        Seconds: _s,
        SecondsPath: _sp,
        Timestamp: _t,
        TimestampPath: _tp,
        ...rest
      } = state;
      return [name, { ...rest, Type: "Task", Resource: CLOCK_WAIT_RESOURCE }];
    }),
  );
  return { ...definition, States: states };
}

/**
 * Runs executions of one state machine. Implements the part of the Step Functions client the
 * classifier uses (`send(StartExecutionCommand)`), with the service's name rule: a name is taken
 * for good once used; the same name and input while running returns the running execution.
 */
export class LocalStepFunctions {
  readonly events: PublishedEvent[] = [];
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly aborts = new Set<() => void>();
  private readonly abortsByName = new Map<string, () => void>();
  /** Events that fail (as EventBridge throttling one entry), to exercise the retry path. */
  failNextPublishes = 0;
  startCalls = 0;

  /** What runs: the synthesized definition, its Wait states on the controlled clock when there is one. */
  private readonly definition: Definition;

  constructor(private readonly options: LocalStepFunctionsOptions) {
    this.definition = options.clock === undefined ? options.definition : withClockWaits(options.definition);
  }

  private now(): Date {
    return this.options.clock?.now() ?? new Date();
  }

  /** StopExecution calls that fail (as if throttled), to exercise the fallback. */
  failNextStops = 0;
  stopCalls = 0;

  /** The subset of SFNClient.send the scheduler adapter calls: StartExecution and StopExecution. */
  async send(
    command: StartExecutionCommand | StopExecutionCommand,
  ): Promise<{ executionArn?: string; startDate?: Date; stopDate?: Date }> {
    if (command instanceof StopExecutionCommand) return this.stop(command);
    if (!(command instanceof StartExecutionCommand)) {
      throw new Error(
        `the local Step Functions supports StartExecution and StopExecution only, got ${command}`,
      );
    }
    this.startCalls += 1;
    const { name, input } = command.input;
    if (name === undefined) throw new Error("StartExecution without a name");
    const parsed = JSON.parse(input ?? "{}") as Json;
    const existing = this.executions.get(name);
    if (existing !== undefined) {
      const same = JSON.stringify(existing.input) === JSON.stringify(parsed);
      if (existing.status === "RUNNING" && same)
        return { executionArn: `local:${name}`, startDate: this.now() };
      throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${name}'`, $metadata: {} });
    }
    this.run(name, parsed);
    return { executionArn: `local:${name}`, startDate: this.now() };
  }

  private stop(command: StopExecutionCommand): { stopDate: Date } {
    this.stopCalls += 1;
    if (this.failNextStops > 0) {
      this.failNextStops -= 1;
      const error = new Error("Rate exceeded");
      error.name = "ThrottlingException";
      throw error;
    }
    const name = String(command.input.executionArn).split(":").at(-1) ?? "";
    const execution = this.executions.get(name);
    if (execution === undefined || execution.status !== "RUNNING") {
      throw new ExecutionDoesNotExist({ message: `Execution Does Not Exist: '${name}'`, $metadata: {} });
    }
    execution.stopCause = command.input.cause;
    this.abortsByName.get(name)?.();
    return { stopDate: this.now() };
  }

  list(): ExecutionRecord[] {
    return [...this.executions.values()];
  }

  get(name: string): ExecutionRecord | undefined {
    return this.executions.get(name);
  }

  /** Resolves when every execution started so far (and any they lead to) has ended. */
  async settle(): Promise<void> {
    for (;;) {
      const running = this.list().filter((execution) => execution.status === "RUNNING");
      if (running.length === 0) return;
      await Promise.all(running.map((execution) => execution.done));
    }
  }

  /** Stops every running execution (end of a demo or test). */
  abortAll(): void {
    for (const abort of this.aborts) abort();
  }

  private run(name: string, input: Json): void {
    const states: string[] = [];
    let finish!: () => void;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const record: ExecutionRecord = { name, input, status: "RUNNING", states, transitions: 0, done };
    this.executions.set(name, record);
    // Taken now, while the work that started the execution still holds the clock.
    const hold = this.options.clock?.hold();
    void this.execute(
      record,
      () => {
        hold?.release();
        finish();
      },
      hold,
    );
  }

  private async execute(
    record: ExecutionRecord,
    finish: () => void,
    hold?: ReturnType<VirtualClock["hold"]>,
  ): Promise<void> {
    const { StateMachine } = await loadOptional(
      "aws-local-stepfunctions",
      () => import("aws-local-stepfunctions"),
    );
    const now = () => this.now();
    const machine = new StateMachine(this.definition as never, {
      validationOptions: { checkArn: false },
    });
    const execution = machine.run(record.input as never, {
      overrides: {
        taskResourceLocalHandlers: this.handlers(record, hold) as never,
        ...(this.options.retryIntervalOverridesMs !== undefined
          ? { retryIntervalOverrides: { ...this.options.retryIntervalOverridesMs } }
          : {}),
      },
      // The service sets $$.State.EnteredTime as each state is entered; the library does not,
      // so it is read from the clock (this machine's, or the controlled one) whenever a state asks.
      context: {
        State: {
          get EnteredTime() {
            return now().toISOString();
          },
        },
      },
    });
    this.aborts.add(execution.abort);
    this.abortsByName.set(record.name, execution.abort);
    const logging = (async () => {
      for await (const event of execution.eventLogs) {
        if (event.type === "StateEntered" || event.type === "StateRetried") {
          record.transitions += 1;
          if (event.type === "StateEntered") {
            record.states.push(event.state.name);
            this.options.onState?.(record.name, event.state.name);
          }
        }
      }
    })();
    try {
      await execution.result;
      record.status = "SUCCEEDED";
    } catch (error) {
      const name = (error as Error).name;
      record.status = name === "ExecutionAbortedError" ? "ABORTED" : "FAILED";
      record.error = `${name}: ${(error as Error).message}`;
    } finally {
      this.aborts.delete(execution.abort);
      this.abortsByName.delete(record.name);
      await logging.catch(() => undefined);
      finish();
    }
  }

  /** One local handler per Task state of the definition, chosen by its integration. */
  private handlers(
    record: ExecutionRecord,
    hold: ReturnType<VirtualClock["hold"]> | undefined,
  ): Record<string, (input: Json) => Promise<Json>> {
    const handlers: Record<string, (input: Json) => Promise<Json>> = {};
    for (const [stateName, state] of Object.entries(this.definition.States)) {
      if (state.Type !== "Task") continue;
      const resource = String(state.Resource);
      const clock = this.options.clock;
      if (resource === CLOCK_WAIT_RESOURCE && clock !== undefined && hold !== undefined) {
        const wait = this.options.definition.States[stateName] ?? {};
        handlers[stateName] = async (input) => {
          await clock.sleepUntil(
            waitTarget(wait, input, clock.now()),
            hold,
            () => record.status !== "RUNNING",
          );
          return input;
        };
      } else if (resource.endsWith(":states:::dynamodb:updateItem")) {
        handlers[stateName] = (input) => this.updateItem(input);
      } else if (resource.endsWith(":states:::events:putEvents")) {
        handlers[stateName] = async (input) => this.putEvents(input);
      } else if (resource.endsWith(":states:::aws-sdk:sesv2:deleteSuppressedDestination")) {
        handlers[stateName] = async (input) => this.deleteSuppressedDestination(input);
      } else {
        throw new Error(`the local Step Functions has no handler for ${resource} (state ${stateName})`);
      }
    }
    return handlers;
  }

  private async updateItem(input: Json): Promise<Json> {
    try {
      const { $metadata: _metadata, ...output } = await this.options.dynamodb.send(
        new UpdateItemCommand(input as unknown as UpdateItemCommandInput),
      );
      return JSON.parse(JSON.stringify(output)) as Json;
    } catch (error) {
      throw integrationError("DynamoDB", error);
    }
  }

  private putEvents(input: Json): Json {
    const entries = (input as { Entries: Record<string, unknown>[] }).Entries;
    const results: Json[] = [];
    let failed = 0;
    for (const entry of entries) {
      if (this.failNextPublishes > 0) {
        this.failNextPublishes -= 1;
        failed += 1;
        results.push({ ErrorCode: "ThrottlingException", ErrorMessage: "Rate exceeded" });
        continue;
      }
      const detail = entry.Detail;
      const event: PublishedEvent = {
        source: String(entry.Source),
        detailType: String(entry.DetailType),
        eventBusName: String(entry.EventBusName ?? "default"),
        detail: (typeof detail === "string" ? JSON.parse(detail) : detail) as Record<string, unknown>,
        at: this.now().toISOString(),
      };
      this.events.push(event);
      this.options.onEvent?.(event);
      results.push({ EventId: `local-${this.events.length}` });
    }
    if (failed > 0) {
      // What the optimized integration does with a non-zero FailedEntryCount.
      const error = new Error(`${failed} of ${entries.length} entries failed`);
      error.name = "FailedEntry";
      throw integrationError("EventBridge", error);
    }
    return { Entries: results, FailedEntryCount: failed };
  }

  private deleteSuppressedDestination(input: Json): Json {
    const address = String((input as { EmailAddress?: unknown }).EmailAddress);
    const list = this.options.sesSuppressionList;
    if (list === undefined || !list.delete(address)) {
      const error = new Error(`${address} is not on the suppression list`);
      error.name = "NotFoundException";
      throw integrationError("SesV2", error);
    }
    return {};
  }
}
