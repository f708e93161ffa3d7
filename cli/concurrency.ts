// Bounded parallelism for the many single-item writes DynamoDB and SQS offer no batch form of.

/**
 * Run `work` over `items` with at most `limit` calls in flight; results in input order. The first
 * failure stops new calls and rejects once the started ones have settled, so nothing keeps running
 * unobserved.
 */
export async function mapWithLimit<Item, Result>(
  items: readonly Item[],
  limit: number,
  work: (item: Item, index: number) => Promise<Result>,
): Promise<Result[]> {
  const results = new Array<Result>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await work(items[index] as Item, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  const settled = await Promise.allSettled(workers);
  const failure = settled.find((outcome) => outcome.status === "rejected");
  if (failure !== undefined) throw (failure as PromiseRejectedResult).reason;
  return results;
}
