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
 * @example
 * ```ts
 * import { stream, session, count } from "weirjs";
 * const results = stream([{ u: "a", ts: 0 }, { u: "a", ts: 5 }, { u: "a", ts: 30 }])
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *   .keyBy((e) => e.u)
 *   .window(session(10))
 *   .aggregate(count());
 * for await (const r of results) console.log(r.window, r.value); // {0,15} 2, then {30,40} 1
 * ```
 */
export function session(gap: number): SessionWindows {
  checkSize("session window", "gap", gap);
  return { kind: "session", gap };
}
