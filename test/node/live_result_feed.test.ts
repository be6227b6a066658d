// ResultFeed: the bounded replay buffer behind GET /results.
import { describe, expect, test, vi } from "vitest";
import { MemoryStateStore, type WindowResult } from "../../mod.ts";
import { FeedJournal, type FeedRetention } from "../../src/live/_feed_journal.ts";
import { ResultFeed } from "../../src/live/mod.ts";
import { ManualClock } from "../../src/testing/mod.ts";

const result = (key: string, start: number, index = 0): WindowResult<string, number> => ({
  key,
  window: { start, end: start + 10 },
  value: start,
  timestamp: start + 9,
  pane: { index, nonSpeculativeIndex: index, timing: "on-time", isFirst: index === 0, isFinal: false },
});

describe("ResultFeed", () => {
  test("resumes after a known id, and sends everything buffered after an unknown one", () => {
    const feed = new ResultFeed({ job: "j", capacity: 10 });
    feed.publish([result("a", 0), result("b", 0), result("a", 10)]);
    const after = feed.subscribe("j/sa/0/10/0");
    expect([after.gap, after.take(10).map((i) => i.id)]).toEqual([false, ["j/sb/0/10/0", "j/sa/10/20/0"]]);
    const unknown = feed.subscribe("j/sz/0/10/0");
    expect([unknown.gap, unknown.take(10).length]).toEqual([true, 3]);
  });

  test("keeps only the newest results; a subscriber overtaken by the buffer learns how many it missed", () => {
    const feed = new ResultFeed({ job: "j", capacity: 3 });
    const sub = feed.subscribe();
    feed.publish([0, 10, 20, 30, 40].map((s) => result("a", s)));
    expect(sub.take(10).map((i) => i.result.window.start)).toEqual([20, 30, 40]);
    expect(sub.missed).toBe(2);
    expect(feed.subscribe("j/sa/0/10/0").gap).toBe(true);
  });

  test("a result republished with an id still in the buffer is dropped", () => {
    const feed = new ResultFeed({ job: "j" });
    expect(feed.publish([result("a", 0), result("a", 0), result("a", 0, 1)])).toBe(2);
    expect(feed.publish([result("a", 0)])).toBe(0);
  });

  test("wait() wakes on publish and on close; close ends every subscription", async () => {
    const feed = new ResultFeed({ job: "j" });
    const sub = feed.subscribe();
    const waiting = sub.wait(60_000);
    feed.publish([result("a", 0)]);
    expect(await waiting).toBe("ready");
    sub.take(1);
    const closing = sub.wait(60_000);
    feed.close();
    expect(await closing).toBe("closed");
    expect([sub.closed, feed.subscribers]).toEqual([true, 0]);
    expect(() => new ResultFeed({ job: "" })).toThrow(TypeError);
    expect(() => new ResultFeed({ job: "j", capacity: 0 })).toThrow(RangeError);
  });

  test("maxAge drops results published longer ago; resuming from an expired id is a gap", () => {
    const clock = new ManualClock(1_000);
    const feed = new ResultFeed({ job: "j", maxAge: 500, clock });
    feed.publish([result("a", 0)]);
    clock.advance(300);
    feed.publish([result("a", 10)]);
    const sub = feed.subscribe();
    // published at:  1000 (a/0)   1300 (a/10)
    // now = 1499:    kept          kept
    // now = 1500:    expired       kept          (a result lives maxAge ms: [1000, 1500))
    clock.advance(199);
    expect(feed.oldest).toBe(0);
    clock.advance(1);
    expect(feed.oldest).toBe(1);
    expect([sub.take(10).map((i) => i.result.window.start), sub.missed]).toEqual([[10], 1]);
    expect(feed.subscribe("j/sa/0/10/0").gap).toBe(true);
    expect(feed.subscribe("j/sa/10/20/0").gap).toBe(false);
    clock.advance(300);
    expect([feed.oldest, feed.next, feed.subscribe().take(10)]).toEqual([2, 2, []]);
    expect(() => new ResultFeed({ job: "j", maxAge: 0 })).toThrow(RangeError);
    expect(() => new ResultFeed({ job: "j", maxAg: 5 } as never)).toThrow(/maxAge/);
  });

  test("prepare() numbers new results without publishing them; append() publishes them", () => {
    const feed = new ResultFeed({ job: "j", clock: new ManualClock(7) });
    feed.publish([result("a", 0)]);
    const items = feed.prepare([result("a", 0), result("b", 0), result("b", 0)]);
    expect(items.map((i) => [i.seq, i.at, i.id])).toEqual([[1, 7, "j/sb/0/10/0"]]);
    expect(feed.next).toBe(1);
    expect(feed.append(items)).toBe(1);
    expect([feed.next, feed.append(items)]).toEqual([2, 0]);
  });

  test("a feed restored from another's items keeps their numbers, so their ids resume", async () => {
    const first = new ResultFeed({ job: "j", capacity: 3 });
    first.publish([0, 10, 20, 30].map((s) => result("a", s)));
    const stored = first.subscribe().take(10);
    expect(stored.map((i) => i.seq)).toEqual([1, 2, 3]);
    const second = new ResultFeed({ job: "j", capacity: 3, restore: Promise.resolve(stored) });
    await second.ready;
    expect([second.oldest, second.next]).toEqual([1, 4]);
    const resumed = second.subscribe("j/sa/10/20/0");
    second.publish([result("a", 30), result("a", 40)]);
    // a/30 is held already (seq 3): only a/40 is new.
    expect([resumed.gap, resumed.take(10).map((i) => [i.seq, i.result.window.start])]).toEqual([
      false,
      [[2, 20], [3, 30], [4, 40]],
    ]);
  });
});

describe("the stored replay window of a LiveJob's feed", () => {
  const retention = (capacity = 100): FeedRetention => ({ capacity, maxAge: Infinity, clock: new ManualClock(5) });

  test("reads back Maps, Sets, bigints, infinite bounds, Dates and $ keys as they were published", async () => {
    const store = new MemoryStateStore();
    const odd: WindowResult = {
      key: { $: "a key", n: -0 },
      window: { start: -Infinity, end: Infinity },
      value: { m: new Map([["x", 1n]]), s: new Set([1, NaN]), d: new Date(86_400_000), u: [undefined, null] },
      timestamp: Infinity,
      pane: { index: 0, nonSpeculativeIndex: 0, timing: "on-time", isFirst: true, isFinal: true },
    };
    const feed = new ResultFeed({ job: "j", clock: new ManualClock(5) });
    const items = feed.prepare([odd, result("a", 0)]);
    const { journal } = await FeedJournal.open(store, "j", retention(), false);
    await journal.append(items);
    const { items: restored } = await FeedJournal.open(store, "j", retention(), false);
    expect(restored).toEqual(items);
  });

  test("keeps the newest `capacity` results, deleting whole entries", async () => {
    const store = new MemoryStateStore();
    const feed = new ResultFeed({ job: "j" });
    const { journal } = await FeedJournal.open(store, "j", retention(3), false);
    for (const s of [0, 10, 20, 30]) {
      const items = feed.prepare([result("a", s), result("b", s)]);
      await journal.append(items);
      feed.append(items);
    }
    // entries: [0 1] [2 3] [4 5] [6 7]; the newest 3 are 5..7, so [0 1] and [2 3] are deleted.
    expect(await store.list("feed/j/")).toEqual(["feed/j/000000000004", "feed/j/000000000006"]);
    const { items } = await FeedJournal.open(store, "j", retention(3), false);
    expect(items.map((i) => i.seq)).toEqual([5, 6, 7]);
  });

  test("a damaged entry drops it and every result before it, with a warning; later ones stay", async () => {
    const store = new MemoryStateStore();
    const feed = new ResultFeed({ job: "j" });
    const { journal } = await FeedJournal.open(store, "j", retention(), false);
    for (const s of [0, 10, 20]) {
      const items = feed.prepare([result("a", s)]);
      await journal.append(items);
      feed.append(items);
    }
    const damaged = (await store.get("feed/j/000000000001"))!;
    damaged[damaged.length - 3]! ^= 1;
    await store.put("feed/j/000000000001", damaged);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const { items } = await FeedJournal.open(store, "j", retention(), false);
      expect(items.map((i) => i.seq)).toEqual([2]);
      expect(warn.mock.calls[0]![0]).toMatch(/up to feed\/j\/000000000001 \(its header or checksum does not match\)/);
    } finally {
      warn.mockRestore();
    }
    expect(await store.list("feed/j/")).toEqual(["feed/j/000000000002"]);
  });
});
