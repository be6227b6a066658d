// LiveJob: runs a checkpointed pipeline over an IngestLog, publishes to its feed, keeps statistics,
// and stops and resumes through checkpoints.
import { describe, expect, test } from "vitest";
import { afterProcessingTime, afterWatermark, count, MemoryStateStore, tumbling } from "../../mod.ts";
import { createWeirApp } from "../../adapters/hono/mod.ts";
import { IngestLog, LiveJob } from "../../src/live/mod.ts";

interface Ev {
  k: string;
  ts: number;
}

/** Resolves once `cond` holds, checking after each macrotask; fails after `ms` so a bug cannot hang the test. */
async function eventually(cond: () => boolean, what: string, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function setup(store: MemoryStateStore, early = false) {
  const log = await IngestLog.open<Ev>(store, { name: "evs" });
  const job = new LiveJob({
    id: "counts",
    source: log,
    eventTime: (e: Ev) => e.ts,
    maxOutOfOrderness: 0,
    pipeline: (events, { onLate }) =>
      events.keyBy((e) => e.k).window(tumbling(10), {
        onLate,
        ...(early ? { trigger: afterWatermark({ early: afterProcessingTime(150) }) } : {}),
      }).aggregate(count()),
    checkpoint: { store, every: { events: 1 } },
  });
  job.start();
  return { log, job };
}

describe("LiveJob", () => {
  test("publishes results to its feed and counts panes, late events and checkpoints", async () => {
    const store = new MemoryStateStore();
    const { log, job } = await setup(store);
    await log.append([{ k: "a", ts: 1 }, { k: "a", ts: 2 }, { k: "b", ts: 12 }, { k: "a", ts: 3 }, { k: "a", ts: 25 }]);
    await eventually(() => job.stats().panes["on-time"] === 2, "two on-time panes");
    const stats = job.stats();
    expect(stats).toMatchObject({
      state: "running",
      eventsIn: 5,
      maxEventTime: 25,
      watermark: 25,
      lateEvents: 1,
      panes: { early: 0, "on-time": 2, late: 0 },
    });
    expect(stats.lastCheckpointAt).toBeGreaterThan(0);
    const sub = job.feed.subscribe();
    expect(sub.take(10).map((i) => [i.id, i.result.value])).toEqual([["counts/sa/0/10/0", 2], [
      "counts/sb/10/20/0",
      1,
    ]]);
    await job.stop();
    expect(sub.closed).toBe(true);
    expect(job.state).toBe("stopped");
  });

  test("stop() takes a final checkpoint, and the log is truncated up to it", async () => {
    const store = new MemoryStateStore();
    const { log, job } = await setup(store);
    await log.append([{ k: "a", ts: 1 }, { k: "a", ts: 2 }]);
    await eventually(() => job.stats().eventsIn === 2, "the events read");
    await job.stop();
    await eventually(() => log.start === 2, "truncation");
    await log.close();
    const again = await IngestLog.open<Ev>(store, { name: "evs" });
    expect([again.start, again.next]).toEqual([2, 2]);
  });

  test("a restarted job resumes its windows from the checkpoint and counts each event once", async () => {
    const store = new MemoryStateStore();
    const first = await setup(store);
    await first.log.append([{ k: "a", ts: 1 }, { k: "a", ts: 2 }]);
    await eventually(() => first.job.stats().eventsIn === 2, "the events read");
    await first.job.stop();
    await first.log.close();
    const second = await setup(store);
    await second.log.append([{ k: "a", ts: 3 }, { k: "a", ts: 30 }]);
    await eventually(() => second.job.stats().panes["on-time"] === 1, "the on-time pane");
    expect(second.job.feed.subscribe().take(5).map((i) => i.result.value)).toEqual([3]);
    await second.job.stop();
  });

  test("a job restored while an early-pane timer is pending keeps its watermark when that timer fires", async () => {
    const store = new MemoryStateStore();
    const first = await setup(store, true);
    await first.log.append([{ k: "a", ts: 1 }]);
    await eventually(() => first.job.stats().eventsIn === 1, "the event read");
    // Stopped before the 150 ms early timer fired: the timer is part of the checkpoint.
    await first.job.stop();
    expect(first.job.stats().panes.early).toBe(0);
    await first.log.close();
    const second = await setup(store, true);
    // The restored timer fires with no new input: an early pane, the watermark still at 1.
    await eventually(
      () => second.job.stats().panes.early + second.job.stats().panes["on-time"] > 0,
      "the restored timer",
    );
    expect(second.job.stats().panes).toEqual({ early: 1, "on-time": 0, late: 0 });
    // So an event for the same window is on time, not late.
    await second.log.append([{ k: "a", ts: 5 }]);
    await eventually(() => second.job.stats().eventsIn === 1, "the event read");
    expect(second.job.stats().lateEvents).toBe(0);
    await second.job.stop();
  });

  test("a failing pipeline marks the job failed, and /health answers 503", async () => {
    const log = await IngestLog.open<Ev>(new MemoryStateStore());
    const job = new LiveJob({
      id: "boom",
      source: log,
      eventTime: (e: Ev) => e.ts,
      maxOutOfOrderness: 0,
      pipeline: (events) =>
        events.map((e) => {
          if (e.k === "x") throw new Error("bad element");
          return e;
        }).window(tumbling(10)).aggregate(count()),
    });
    const app = createWeirApp({ log, job });
    job.start();
    await log.append([{ k: "x", ts: 1 }]);
    await expect(job.done).rejects.toThrow("bad element");
    const res = await app.request("/health");
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "failed", job: { state: "failed", error: "bad element" } });
  });
});
