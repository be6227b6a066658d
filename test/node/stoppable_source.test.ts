/// <reference types="node" />
// A live job's source wrapper (src/live/_stoppable_source.ts): every reader it opens ends when the
// job's stop signal aborts, and a reader that is done leaves no listener on that signal or on the
// run's (a live job opens one reader per run, and its stop signal lives as long as the job).
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { stoppableSource } from "../../src/live/_stoppable_source.ts";
import type { Source, SourceEvent } from "../../src/pipeline/source.ts";

/** Three chunks, then (with `hang`) a read that waits until the reader's signal aborts. */
function source(hang: boolean, seen: AbortSignal[]): Source<number> {
  return {
    kind: "source",
    replayable: true,
    async *open({ signal }) {
      seen.push(signal!);
      for (let i = 0; i < 3; i++) yield { type: "elements", values: [i], offset: i + 1 } as SourceEvent<number>;
      if (hang) {
        await new Promise<void>((resolve) => signal!.addEventListener("abort", () => resolve(), { once: true }));
      }
    },
  };
}

async function drain(it: AsyncIterator<SourceEvent<number>>): Promise<number> {
  let n = 0;
  while (!(await it.next()).done) n++;
  return n;
}

describe("stoppableSource", () => {
  it("readers that end, fail or are returned leave no listener on the stop signal or the run's", async () => {
    const stop = new AbortController();
    const seen: AbortSignal[] = [];
    const wrapped = stoppableSource(source(false, seen), stop.signal);
    const runs: AbortController[] = [];
    for (let i = 0; i < 5; i++) {
      const run = new AbortController();
      runs.push(run);
      expect(await drain(wrapped.open({ signal: run.signal }) as AsyncIterator<SourceEvent<number>>)).toBe(3);
    }
    // returned early
    const run = new AbortController();
    const it = wrapped.open({ signal: run.signal }) as AsyncIterator<SourceEvent<number>>;
    await it.next();
    await it.return!();
    // failed
    const failing = stoppableSource<number>({
      kind: "source",
      replayable: true,
      // deno-lint-ignore require-yield
      async *open() {
        throw new Error("broken source");
      },
    }, stop.signal);
    await expect(drain(failing.open({ signal: run.signal }) as AsyncIterator<SourceEvent<number>>)).rejects
      .toThrow("broken source");
    expect(getEventListeners(stop.signal, "abort")).toHaveLength(0);
    for (const r of [...runs, run]) expect(getEventListeners(r.signal, "abort")).toHaveLength(0);
    expect(seen.some((s) => s.aborted)).toBe(false);
  });

  it("a reader waiting for input ends when the stop signal aborts, and when the run's does", async () => {
    for (const which of ["stop", "run"] as const) {
      const stop = new AbortController(), run = new AbortController();
      const seen: AbortSignal[] = [];
      const it = stoppableSource(source(true, seen), stop.signal).open({ signal: run.signal }) as AsyncIterator<
        SourceEvent<number>
      >;
      for (let i = 0; i < 3; i++) await it.next();
      const waiting = it.next();
      (which === "stop" ? stop : run).abort();
      expect((await waiting).done).toBe(true);
      expect(seen[0]!.aborted).toBe(true);
      expect(getEventListeners(stop.signal, "abort")).toHaveLength(0);
      expect(getEventListeners(run.signal, "abort")).toHaveLength(0);
    }
  });
});
