import { checkSize, type SessionWindows } from "./assigner.ts";

/**
 * Session windows: each element opens `[t, t + gap)` for its key, and overlapping windows of one key
 * merge into one session. Windows that merely touch (`a.end === b.start`) do not merge (Beam's rule).
 * A late element may bridge two sessions, merging them (and their accumulators) into one.
 *
 * ```
 *   gap 10:  t=0 → [0, 10)    t=5 → [5, 15)   merged: [0, 15)
 *            t=15 → [15, 25)  touches [0, 15) only: a separate session
 * ```
 *
 * @example A gap of 10 splits the sessions
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { count, session, stream } from "weirjs";
 *
 * const results = await stream([{ u: "a", ts: 0 }, { u: "a", ts: 5 }, { u: "a", ts: 30 }])
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *   .keyBy((e) => e.u)
 *   .window(session(10))
 *   .aggregate(count())
 *   .toArray();
 * assertEquals(results.map((r) => [r.window, r.value]), [[{ start: 0, end: 15 }, 2], [{ start: 30, end: 40 }, 1]]);
 * ```
 */
export function session(gap: number): SessionWindows {
  checkSize("session window", "gap", gap);
  return { kind: "session", gap };
}
