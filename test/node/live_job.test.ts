// LiveJob: runs a checkpointed pipeline over an IngestLog, publishes to its feed, keeps statistics,
// and stops and resumes through checkpoints.
import { describe, expect, test } from "vitest";
import { afterProcessingTime, afterWatermark, count, MemoryStateStore, tumbling } from "../../mod.ts";
import { createWeirApp } from "../../adapters/hono/mod.ts";
import { IngestLog, LiveJob } from "../../src/live/mod.ts";
import { ManualClock } from "../../src/testing/mod.ts";

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

async function setup(
  store: MemoryStateStore,
  early = false,
  more: { every?: number; replay?: { maxAge: number; clock: ManualClock }; discardState?: boolean } = {},
) {
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
    checkpoint: { store, every: { events: more.every ?? 1 }, discardState: more.discardState ?? false },
    ...(more.replay === undefined ? {} : { replay: more.replay }),
  });
  job.start();
  return { log, job };
}

/** A copy of what `store` holds now: the store a process killed at this moment leaves behind. */
async function crashImage(store: MemoryStateStore): Promise<MemoryStateStore> {
  const copy = new MemoryStateStore();
  for (const key of await store.list("")) await copy.put(key, (await store.get(key))!);
  return copy;
}

const ids = (items: { id: string }[]) => items.map((i) => i.id.replace("counts/", ""));

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
    // a checkpoint is encoded in slices after the step that took it: durable a few turns later
    await eventually(() => job.stats().lastCheckpointAt !== undefined, "a checkpoint");
    expect(job.stats().lastCheckpointAt).toBeGreaterThan(0);
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
    expect(await res.json()).toMatchObject({
      status: "failed",
      job: { state: "failed", error: expect.stringContaining("bad element") },
    });
  });

  test("a client away across a restart resumes with Last-Event-ID and gets every result it missed, once", async () => {
    const store = new MemoryStateStore();
    const first = await setup(store);
    const client = first.job.feed.subscribe();
    await first.log.append([{ k: "a", ts: 1 }, { k: "a", ts: 11 }]);
    await eventually(() => first.job.feed.next === 1, "the first window");
    const last = client.take(10).at(-1)!.id;
    client.close(); // away from here on
    await first.log.append([{ k: "a", ts: 21 }, { k: "a", ts: 31 }]);
    await eventually(() => first.job.feed.next === 3, "two more windows");
    await first.job.stop();
    await first.log.close();

    const second = await setup(store);
    await second.job.feed.ready;
    const back = second.job.feed.subscribe(last);
    await second.log.append([{ k: "a", ts: 41 }]);
    await eventually(() => second.job.feed.next === 4, "a window after the restart");
    expect([back.gap, ids(back.take(10))]).toEqual([false, ["sa/10/20/0", "sa/20/30/0", "sa/30/40/0"]]);
    expect(second.job.feed.subscribe().take(10).map((i) => i.seq)).toEqual([0, 1, 2, 3]);
    await second.job.stop();
  });

  test("after a crash the results computed again are dropped by id: stored ones keep their place", async () => {
    const store = new MemoryStateStore();
    // No checkpoint before the crash: the restarted job computes every window again.
    const first = await setup(store, false, { every: 1_000 });
    await first.log.append([{ k: "a", ts: 1 }, { k: "b", ts: 2 }, { k: "a", ts: 11 }, { k: "a", ts: 21 }]);
    await eventually(() => first.job.feed.next === 3, "three windows");
    const seen = ids(first.job.feed.subscribe().take(10));
    const image = await crashImage(store);
    await first.job.stop();

    const second = await setup(image, false, { every: 1_000 });
    await second.job.feed.ready;
    const client = second.job.feed.subscribe(`counts/${seen[0]}`);
    await eventually(() => second.job.stats().eventsIn === 4, "the log replayed");
    await second.log.append([{ k: "a", ts: 31 }]);
    await eventually(() => second.job.feed.next === 4, "the window after the crash");
    expect([client.gap, ids(client.take(10))]).toEqual([false, [...seen.slice(1), "sa/20/30/0"]]);
    await second.job.stop();
  });

  test("replay.maxAge bounds the stored window too: an id older than it is a gap after a restart", async () => {
    const store = new MemoryStateStore();
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const first = await setup(store, false, { replay: { maxAge: 60_000, clock } });
    await first.log.append([{ k: "a", ts: 1 }, { k: "a", ts: 11 }]);
    await eventually(() => first.job.feed.next === 1, "the first window");
    clock.advance(30_000);
    await first.log.append([{ k: "a", ts: 21 }]);
    await eventually(() => first.job.feed.next === 2, "the second window");
    await first.job.stop();
    // published at:   t (sa/0/10)   t+30 s (sa/10/20)
    // restart at t+70 s, maxAge 60 s: the first is gone, the second kept.
    clock.advance(40_000);
    const second = await setup(store, false, { replay: { maxAge: 60_000, clock } });
    await second.job.feed.ready;
    expect(second.job.feed.subscribe("counts/sa/0/10/0").gap).toBe(true);
    expect(ids(second.job.feed.subscribe().take(10))).toEqual(["sa/10/20/0"]);
    expect((await store.list("feed/counts/")).length).toBe(1);
    await second.job.stop();
  });

  test("discardState: true drops the stored results with the checkpoints", async () => {
    const store = new MemoryStateStore();
    const first = await setup(store);
    await first.log.append([{ k: "a", ts: 1 }, { k: "a", ts: 11 }]);
    await eventually(() => first.job.feed.next === 1, "the first window");
    await first.job.stop();
    const second = await setup(store, false, { discardState: true });
    await second.job.feed.ready;
    expect([second.job.feed.next, await store.list("feed/")]).toEqual([0, []]);
    await second.job.stop();
  });

  test("a misspelled option (of the job or of replay) is a TypeError naming the valid ones", () => {
    const options = {
      id: "x",
      source: { kind: "source" as const, replayable: true, open: () => ({ next: () => new Promise<never>(() => {}) }) },
      eventTime: (e: Ev) => e.ts,
      maxOutOfOrderness: 0,
      pipeline: () => {
        throw new Error("not run");
      },
    };
    expect(() => new LiveJob({ ...options, replay: { maxAg: 1 } as never })).toThrow(/maxAge/);
    expect(() => new LiveJob({ ...options, replay: 0 })).toThrow(RangeError);
    expect(() => new LiveJob({ ...options, maxOutOfOrderednes: 5 } as never)).toThrow(
      /"maxOutOfOrderednes" is not an option \(did you mean "maxOutOfOrderness"\?\)/,
    );
  });
});
