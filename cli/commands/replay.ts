// bounce-guard replay: saved notifications through the classifier's own code into the chosen store,
// e.g. after a fix or to rebuild a table; redeliveries are recognised as duplicates as in the pipeline.
import type { SQSRecord } from "aws-lambda";
import { silentLogger } from "../../functions/adapters/logger.ts";
import { createEmfMetrics } from "../../functions/adapters/metrics.ts";
import { createClassifier, type RecordOutcome } from "../../functions/classifier.ts";
import { mapWithLimit } from "../concurrency.ts";
import {
  booleanOption,
  type CommandOptions,
  type CommandRun,
  EXIT,
  type Io,
  openStore,
  readItems,
  UsageError,
} from "../context.ts";
import type { InputProblem } from "../input.ts";
import { sqsRecordOf } from "../local/sqs.ts";
import { printable, printableJson } from "../printable.ts";
import { startProgress } from "../progress.ts";
import { formatTable } from "../table.ts";

/** Records classified and written at once; each recipient event is one conditional write. */
const RECORDS_IN_FLIGHT = 16;
const REPLAY_QUEUE_ARN = "arn:aws:sqs:replay:000000000000:bounce-guard-replay";

interface ReplayCounts {
  records: number;
  applied: number;
  duplicates: number;
  ignored: number;
  readonly failed: InputProblem[];
}

/**
 * The SQS record the classifier takes: an SQS record as saved, or a synthetic one whose body is the
 * bare or SNS-wrapped notification. Its message id is the item's origin, so failures name it.
 */
function recordOf(value: unknown, origin: string): SQSRecord {
  if (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { body?: unknown }).body === "string" &&
    typeof (value as { messageId?: unknown }).messageId === "string"
  ) {
    return value as SQSRecord;
  }
  const body = typeof value === "string" ? value : JSON.stringify(value);
  return sqsRecordOf({ MessageId: origin, Body: body }, REPLAY_QUEUE_ARN, 1);
}

function count(outcome: RecordOutcome, origin: string, counts: ReplayCounts): void {
  counts.records += 1;
  if (outcome.kind === "failed" || outcome.kind === "dead-lettered") {
    counts.failed.push({ origin, message: outcome.error });
  } else if (outcome.kind === "control") {
    counts.ignored += 1;
  } else {
    for (const { result } of outcome.recipients) {
      if (result.kind === "applied") counts.applied += 1;
      else if (result.kind === "duplicate") counts.duplicates += 1;
      else counts.ignored += 1;
    }
  }
}

async function replay(files: readonly string[], options: CommandOptions, io: Io): Promise<number> {
  if (files.length === 0) throw new UsageError("replay needs at least one FILE");
  const { items, problems } = await readItems(files, io);
  const counts: ReplayCounts = { records: 0, applied: 0, duplicates: 0, ignored: 0, failed: [...problems] };
  const { store, close } = await openStore(options, io);
  const progress = startProgress(io, "replaying", items.length);
  try {
    const classifier = createClassifier({
      store,
      logger: silentLogger,
      // The Lambda's metrics, written nowhere: a replay is not live traffic.
      metrics: createEmfMetrics("BounceGuardReplay", () => {}),
      now: io.now,
    });
    await mapWithLimit(items, RECORDS_IN_FLIGHT, async (item) => {
      const outcome = await classifier.processRecord(recordOf(item.value, item.origin));
      count(outcome, item.origin, counts);
      progress.advance(1);
    });
  } finally {
    progress.finish();
    await close();
  }
  for (const failure of counts.failed) io.stderr(`${printable(`${failure.origin}: ${failure.message}`)}\n`);
  const { failed, ...totals } = counts;
  if (booleanOption(options, "json")) {
    io.stdout(`${printableJson({ ...totals, failed })}\n`);
  } else {
    const rows = [
      ["records read", String(totals.records)],
      ["recipient events applied", String(totals.applied)],
      ["duplicates (already applied)", String(totals.duplicates)],
      ["ignored (no effect, or SNS control)", String(totals.ignored)],
      ["failed (named on stderr)", String(failed.length)],
    ];
    io.stdout(`${formatTable(["replay", "count"], rows)}\n`);
  }
  return failed.length > 0 ? EXIT.badInput : EXIT.ok;
}

export const run: CommandRun = (args, options, io) => replay(args, options, io);
