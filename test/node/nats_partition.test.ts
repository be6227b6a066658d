// partitionOf: the documented algorithm (FNV-1a 32 over the UTF-8 bytes of weir's canonical key
// text, mod P), agreement with keyBy's notion of equal keys, spread, and argument errors.
import { describe, expect, test } from "vitest";
import { partitionOf, partitionSubject } from "../../adapters/nats/mod.ts";

/** An independent reading of the doc comment's algorithm, for strings and numbers. */
function reference(text: string, partitions: number): number {
  let h = 0x811c9dc5n;
  for (const b of Buffer.from(text, "utf8")) h = ((h ^ BigInt(b)) * 0x01000193n) % 2n ** 32n;
  return Number(h % BigInt(partitions));
}

describe("partitionOf()", () => {
  test("matches the documented test vectors", () => {
    expect(partitionOf("", 16)).toBe(8);
    expect(partitionOf("user-1", 16)).toBe(9);
    expect(partitionOf(42, 16)).toBe(7);
    expect(partitionOf("été", 16)).toBe(4);
    expect(partitionOf({ b: [2, "x"], a: 1 }, 16)).toBe(5);
    expect(reference("s:", 2 ** 32)).toBe(0x0d51c0a8);
    expect(reference('j:{"a":1,"b":[2,"x"]}', 2 ** 32)).toBe(0xf2504245);
  });

  test("agrees with the algorithm written out in the doc comment for many keys and partition counts", () => {
    for (const partitions of [1, 2, 3, 12, 16, 64, 1000]) {
      for (let i = 0; i < 500; i++) {
        expect(partitionOf(`user-${i}`, partitions)).toBe(reference(`s:user-${i}`, partitions));
        expect(partitionOf(i * 1.5, partitions)).toBe(reference(`n:${i * 1.5}`, partitions));
      }
    }
    expect(partitionOf(true, 7)).toBe(reference("b:1", 7));
    expect(partitionOf(null, 7)).toBe(reference("z:", 7));
    expect(partitionOf(undefined, 7)).toBe(reference("u:", 7));
    expect(partitionOf(12345678901234567890n, 7)).toBe(reference("i:12345678901234567890", 7));
    expect(partitionOf(new Date(0), 7)).toBe(reference('j:"1970-01-01T00:00:00.000Z"', 7));
  });

  test('keys that keyBy groups together share a partition; 1 and "1" need not', () => {
    expect(partitionOf({ a: 1, b: 2 }, 64)).toBe(partitionOf({ b: 2, a: 1 }, 64));
    expect(partitionOf(-0, 64)).toBe(partitionOf(0, 64));
    expect(partitionOf([1, { x: undefined }], 64)).toBe(partitionOf([1, {}], 64));
    expect(partitionOf(1, 1 << 20)).not.toBe(partitionOf("1", 1 << 20));
  });

  test("spreads 12,000 user keys evenly over 12 partitions (each within 10% of the mean)", () => {
    const counts = new Array<number>(12).fill(0);
    for (let i = 0; i < 12_000; i++) counts[partitionOf(`user-${i}`, 12)]!++;
    expect(Math.min(...counts)).toBeGreaterThan(900);
    expect(Math.max(...counts)).toBeLessThan(1100);
  });

  test("rejects a bad partition count and keys without a canonical form", () => {
    expect(() => partitionOf("a", 0)).toThrow(
      "Cannot compute partition as partitions must be an integer from 1 to 2^31: current value is 0",
    );
    expect(() => partitionOf("a", 1.5)).toThrow(RangeError);
    expect(() => partitionOf(new Map(), 4)).toThrow(/a Map, which has no canonical form/);
    expect(() => partitionOf(() => 1, 4)).toThrow(/a function/);
  });
});

describe("partitionSubject()", () => {
  test("joins prefix, job and partition with dots", () => {
    expect(partitionSubject("events", "clicks", 0)).toBe("events.clicks.0");
    expect(partitionSubject("weir.in", "clicks", 11)).toBe("weir.in.clicks.11");
  });

  test("rejects tokens NATS would misread", () => {
    expect(() => partitionSubject("events", "a.b", 0)).toThrow(
      'Cannot build partition subject as job must be one subject token (not empty, no whitespace, ., * or >): current value is "a.b"',
    );
    expect(() => partitionSubject("events.*", "j", 0)).toThrow(TypeError);
    expect(() => partitionSubject("", "j", 0)).toThrow(TypeError);
    expect(() => partitionSubject("e", "j", -1)).toThrow(RangeError);
  });
});
