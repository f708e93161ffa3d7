// Counts the requests an SDK client sends, by command: the figure behind "requests per event".
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

export interface RequestCounter {
  readonly counts: Map<string, number>;
  total(): number;
  reset(): void;
}

export function countRequests(client: DynamoDBClient): RequestCounter {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? "unknown");
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: "initialize", name: "bounceGuardRequestCounter" },
  );
  return {
    counts,
    total: () => [...counts.values()].reduce((sum, count) => sum + count, 0),
    reset: () => counts.clear(),
  };
}
