import { describe, expect, it } from "vitest";
import { global, session, sliding, tumbling } from "../../mod.ts";
import { windowerFor } from "../../src/window/windower.ts";
import { SessionWindower } from "../../src/window/session_windower.ts";

const assigned = (w: ReturnType<typeof windowerFor>, t: number) => {
  const out: number[] = [];
  const n = w.assign(t, out);
  return Array.from({ length: n }, (_, i) => [out[2 * i], out[2 * i + 1]]);
};

describe("tumbling windower", () => {
  it("puts t into [start, start + size) with start ≡ offset (mod size), boundaries in the next window", () => {
    // [0 ...... 10)[10 ...... 20)
    //  t=0   t=9.5  t=10
    const w = windowerFor(tumbling(10));
    expect(assigned(w, 0)).toEqual([[0, 10]]);
    expect(assigned(w, 9.5)).toEqual([[0, 10]]);
    expect(assigned(w, 10)).toEqual([[10, 20]]);
    expect(w.lastEnd(9.5)).toBe(10);
  });

  it("floors negative times and honours the offset", () => {
    expect(assigned(windowerFor(tumbling(10)), -1)).toEqual([[-10, 0]]);
    expect(assigned(windowerFor(tumbling(10, { offset: 3 })), 2)).toEqual([[-7, 3]]);
    expect(assigned(windowerFor(tumbling(10, { offset: 3 })), 3)).toEqual([[3, 13]]);
  });
});

describe("sliding windower", () => {
  it("assigns every window containing t, ascending by start", () => {
    // size 20, slide 10:  t=15 ∈ [0, 20) and [10, 30)
    const w = windowerFor(sliding(20, 10));
    expect(assigned(w, 15)).toEqual([[0, 20], [10, 30]]);
    expect(w.windowsOf(15)).toEqual([{ start: 0, end: 20 }, { start: 10, end: 30 }]);
    expect(w.lastEnd(15)).toBe(30);
  });

  it("handles a slide that does not divide the size", () => {
    // size 10, slide 3: starts in (7 - 10, 7] ≡ 0 (mod 3) → 0, 3, 6
    expect(assigned(windowerFor(sliding(10, 3)), 7)).toEqual([[0, 10], [3, 13], [6, 16]]);
  });

  it("assigns no window to a time in a gap (slide > size), as Beam's SlidingWindows", () => {
    // size 5, slide 10:  [0, 5)  gap  [10, 15)
    const w = windowerFor(sliding(5, 10));
    expect(assigned(w, 4)).toEqual([[0, 5]]);
    expect(assigned(w, 7)).toEqual([]);
    expect(w.windowsOf(7)).toEqual([]);
    expect(w.lastEnd(7)).toBe(-Infinity);
    expect(assigned(w, 10)).toEqual([[10, 15]]);
  });

  it("exposes the period start the sliced engine folds into", () => {
    const w = windowerFor(sliding(60, 10));
    expect(w.merging).toBe(false);
    if (w.merging) return;
    expect("periodStart" in w && w.periodStart(25)).toBe(20);
  });
});

describe("session windower", () => {
  it("gives an element its own window [t, t + gap)", () => {
    const w = windowerFor(session(10));
    expect(w.merging).toBe(true);
    expect(assigned(w, 5)).toEqual([[5, 15]]);
    expect(w.lastEnd(5)).toBe(15);
  });

  it("merges overlapping windows into their union, but not touching ones", () => {
    // gap 10:  [0, 10) [5, 15) → [0, 15);  [15, 25) only touches it
    const w = new SessionWindower(session(10));
    expect(w.overlaps(0, 10, 5, 15)).toBe(true);
    expect(w.overlaps(0, 15, 15, 25)).toBe(false);
    const clusters = w.clusters([
      { start: 15, end: 25, tag: "c" },
      { start: 0, end: 10, tag: "a" },
      { start: 5, end: 15, tag: "b" },
      { start: 40, end: 50, tag: "d" },
    ]);
    expect(clusters.map((c) => [c.start, c.end, c.members.map((m) => m.tag)])).toEqual([
      [0, 15, ["a", "b"]],
      [15, 25, ["c"]],
      [40, 50, ["d"]],
    ]);
  });

  it("lets a late window bridge two sessions", () => {
    // [0, 10)   [12, 22)   + late [8, 18) → one session [0, 22)
    const w = new SessionWindower(session(10));
    const clusters = w.clusters([
      { start: 0, end: 10, tag: 1 },
      { start: 12, end: 22, tag: 2 },
      { start: 8, end: 18, tag: 3 },
    ]);
    expect(clusters.map((c) => [c.start, c.end, c.members.length])).toEqual([[0, 22, 3]]);
  });
});

describe("global windower", () => {
  it("puts every element into one window that never becomes late", () => {
    const w = windowerFor(global());
    expect(assigned(w, 123)).toEqual([[-Infinity, Infinity]]);
    expect(w.lastEnd(-1e15)).toBe(Infinity);
  });
});
