// ResultFeed: the bounded replay buffer behind GET /results.
import { describe, expect, test } from "vitest";
import type { WindowResult } from "../../mod.ts";
import { ResultFeed } from "../../src/live/mod.ts";

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
});
