// Internal state checks: windows that fired and expired leave nothing behind.
import { describe, expect, it } from "vitest";
import { count, session, sliding, stream, tumbling, type WindowAssigner } from "../../mod.ts";
import { startJob } from "../../src/pipeline/stream.ts";
import { GeneralWindowOperator } from "../../src/operators/general_window_operator.ts";
import { SlicedWindowOperator } from "../../src/operators/sliced_window_operator.ts";

function* rolling(n: number, keys: number) {
  for (let i = 0; i < n; i++) yield { k: i % keys, ts: i * 3 };
}

describe("window state lifecycle", () => {
  const cases: Record<string, WindowAssigner> = {
    tumbling: tumbling(1_000),
    sliding: sliding(3_000, 1_000),
    session: session(50),
  };
  for (const [name, a] of Object.entries(cases)) {
    it(`${name}: open state stays bounded during a long run and is empty at the end`, async () => {
      const { job, batches } = startJob(
        stream(rolling(200_000, 100), { chunkSize: 512 }).withEventTime((e) => e.ts, {
          maxOutOfOrderness: 100,
        })
          .keyBy((e) => e.k).window(a).aggregate(count()),
      );
      const op = job.ops.find((o) => o instanceof GeneralWindowOperator || o instanceof SlicedWindowOperator) as
        | GeneralWindowOperator
        | SlicedWindowOperator;
      let maxOpen = 0;
      let results = 0;
      for await (const batch of batches) {
        results += batch.length;
        maxOpen = Math.max(maxOpen, op.openWindows);
        expect(job.stats().openWindows).toBe(op.openWindows);
      }
      expect(results).toBeGreaterThan(0);
      // 100 keys, each with at most a few windows (or slices) open at any time
      expect(maxOpen).toBeLessThanOrEqual(100 * 6);
      expect(op.openWindows).toBe(0);
      expect((op.snapshot() as { keys: unknown[] }).keys).toEqual([]);
    });
  }
});
