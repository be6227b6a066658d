// W1, W2 and W3 as weir runs them (the README's pipeline), for the benches that time one workload.
import { count, session, sliding, stream, sum, tumbling } from "../mod.ts";
import type { BenchEvent } from "./_data.ts";

/**
 * Runs W1, W2 or W3 (tumbling 10 s, sliding 60/10 s, sessions 30 s; disorder bound 2 s) over
 * `events` with weir, each result's count to `onCount`. The arrow functions are made anew per call,
 * as an application that builds its pipeline per job has them.
 */
export function weirWorkload(
  workload: string,
  events: readonly BenchEvent[],
  onCount: (n: number) => void,
): Promise<void> {
  const assigner = workload === "w1" ? tumbling(10_000) : workload === "w2" ? sliding(60_000, 10_000) : session(30_000);
  return stream(events)
    .withEventTime((e) => e.ts, { maxOutOfOrderness: 2_000 })
    .keyBy((e) => e.key)
    .window(assigner)
    .aggregate({ n: count(), total: sum((e: BenchEvent) => e.value) })
    .forEach((r) => onCount(r.value.n));
}
