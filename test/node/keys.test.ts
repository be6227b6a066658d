import { describe, expect, it } from "vitest";
import { resultId } from "../../mod.ts";
import { InvalidElementError } from "../../src/errors.ts";
import { canonicalJson, canonicalKey, groupingKey } from "../../src/keys/mod.ts";

describe("one canonical encoding for grouping, result ids, distinctCount and topK", () => {
  it("sorts object keys, so structurally equal keys are one key everywhere", () => {
    const a = { b: 2, a: [1, "x"] }, b = { a: [1, "x"], b: 2 };
    expect(canonicalJson(a)).toBe('{"a":[1,"x"],"b":2}');
    expect(groupingKey(a)).toBe(groupingKey(b));
    expect(canonicalKey(a)).toBe(canonicalKey(b));
    const r = (key: unknown) => resultId("j", { key, window: { start: 0, end: 1 }, pane: { index: 0 } });
    expect(r(a)).toBe(r(b));
  });

  it("agrees with a JSON round trip (what a checkpoint restores): undefined members vanish, Dates are ISO text", () => {
    const k = { a: 1, gone: undefined, at: new Date(0) };
    const restored = JSON.parse(JSON.stringify(k));
    expect(groupingKey(k)).toBe(groupingKey(restored));
    expect(canonicalKey(k)).toBe(canonicalKey(restored));
  });

  it("keeps NaN and null apart, and -0 equal to 0", () => {
    expect(canonicalJson({ a: NaN })).not.toBe(canonicalJson({ a: null }));
    expect(canonicalJson({ a: -0 })).toBe(canonicalJson({ a: 0 }));
    expect(canonicalKey(1)).not.toBe(canonicalKey("1"));
  });

  it("leaves primitive grouping keys as they are and refuses keys without a canonical form", () => {
    expect(groupingKey("a")).toBe("a");
    expect(groupingKey(7)).toBe(7);
    expect(() => groupingKey(new Map(), { id: 1 })).toThrow(InvalidElementError);
    expect(() => groupingKey({ f: () => 1 }, { id: 1 })).toThrow(/a function/);
  });
});
