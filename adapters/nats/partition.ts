// Which partition a key belongs to, computable by any producer in any language (the algorithm is
// spelled out on partitionOf), and the subject a partition's events are published to.
import { canonicalKey, groupingKey } from "../../src/keys/mod.ts";

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const utf8 = new TextEncoder();

/**
 * The partition, in `0 .. partitions - 1`, of the events whose grouping key is `key`: equal keys (as
 * `keyBy` groups them) always land in the same partition, in every runtime and every language.
 *
 * The algorithm, for producers written in other languages:
 * 1. Encode the key as text, the way weir keys values by content:
 *    - string `s` → `"s:" + s`;
 *    - number `n` → `"n:" + ` JavaScript's `String(n)` (`-0` is written `0`; `1.5` → `"n:1.5"`,
 *      `1e21` → `"n:1e+21"`);
 *    - boolean → `"b:1"` or `"b:0"`; bigint `i` → `"i:" + i` (decimal); `null` → `"z:"`; `undefined` → `"u:"`;
 *    - a plain object, array or Date → `"j:" + ` its canonical JSON: JSON without whitespace, object keys sorted
 *      (by UTF-16 code units), undefined members skipped, numbers as in `String(n)` with `-0` as `0` (NaN and
 *      Infinity by name), bigints as digits + `n`, Dates as their ISO text (`toJSON`).
 * 2. Take the UTF-8 bytes of that text (a lone surrogate becomes U+FFFD, as `TextEncoder` does).
 * 3. Hash the bytes with 32-bit FNV-1a: `h = 0x811c9dc5`; for each byte `b`: `h = (h XOR b) * 0x01000193 mod 2^32`.
 * 4. The partition is `h mod partitions` (`h` unsigned).
 *
 * Test vectors (key → encoded text → FNV-1a → partition of 16): `""` → `s:` → `0x0d51c0a8` → 8;
 * `"user-1"` → `s:user-1` → `0x4bd62959` → 9; `42` → `n:42` → `0x970a31b7` → 7; `"été"` → `s:été` →
 * `0xf6a98e34` → 4; `{ b: [2, "x"], a: 1 }` → `j:{"a":1,"b":[2,"x"]}` → `0xf2504245` → 5.
 *
 * Keys without a canonical form (functions, symbols, Maps, class instances) cannot be grouped by weir
 * and throw the same `InvalidElementError` as `keyBy` would.
 *
 * @param key A grouping key, as returned by the `keyBy` function of the job.
 * @param partitions The job's number of partitions, an integer from 1 to 2^31.
 * @returns The partition index.
 *
 * @example Route events to the subject of their partition
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { partitionOf, partitionSubject } from "weirjs/adapters/nats";
 *
 * assertEquals(partitionOf("user-1", 16), 9);
 * assertEquals(partitionOf(42, 16), 7);
 * assertEquals(partitionSubject("events", "clicks", partitionOf("user-1", 16)), "events.clicks.9");
 * ```
 */
export function partitionOf(key: unknown, partitions: number): number {
  checkPartitions(partitions);
  groupingKey(key, key);
  return fnv1a32(utf8.encode(canonicalKey(key))) % partitions;
}

/**
 * The subject `<prefix>.<job>.<partition>` that a job's events for `partition` are published to. The
 * prefix may have several tokens (`"weir.in"`); the job is one token. A subject token may not be empty
 * or contain whitespace, `.`, `*` or `>`.
 *
 * @param prefix The subject prefix, for example `"events"`.
 * @param job The job's name, one subject token.
 * @param partition The partition index, an integer >= 0.
 * @returns The subject.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { partitionSubject } from "weirjs/adapters/nats";
 *
 * assertEquals(partitionSubject("weir.in", "clicks", 3), "weir.in.clicks.3");
 * ```
 */
export function partitionSubject(prefix: string, job: string, partition: number): string {
  if (typeof prefix !== "string" || !prefix.split(".").every(isSubjectToken)) {
    throw new TypeError(
      `Cannot build partition subject as prefix must be one or more subject tokens separated by dots ` +
        `(no empty token, whitespace, * or >): current value is ${JSON.stringify(prefix)}`,
    );
  }
  if (typeof job !== "string" || !isSubjectToken(job)) {
    throw new TypeError(
      `Cannot build partition subject as job must be one subject token (not empty, no whitespace, ., * or >): ` +
        `current value is ${JSON.stringify(job)}`,
    );
  }
  if (!Number.isInteger(partition) || partition < 0) {
    throw new RangeError(
      `Cannot build partition subject as partition must be an integer >= 0: current value is ${String(partition)}`,
    );
  }
  return `${prefix}.${job}.${partition}`;
}

function isSubjectToken(token: string): boolean {
  return token.length > 0 && !/[\s.*>]/.test(token);
}

function checkPartitions(partitions: number): void {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 2 ** 31) {
    throw new RangeError(
      `Cannot compute partition as partitions must be an integer from 1 to 2^31: current value is ${
        String(partitions)
      }`,
    );
  }
}

/** 32-bit FNV-1a, unsigned. */
function fnv1a32(bytes: Uint8Array): number {
  let h = FNV_OFFSET_BASIS;
  for (let i = 0; i < bytes.length; i++) {
    h = Math.imul(h ^ bytes[i]!, FNV_PRIME) >>> 0;
  }
  return h;
}
