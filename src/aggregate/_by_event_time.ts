// The shared body of first() and last(): the value with the earliest (latest) event time, ties
// broken by arrival — first keeps the earlier-added, last takes the later-added. In merge(a, b),
// everything in `a` counts as added before everything in `b`, so merging per-chunk accumulators
// in order agrees with adding the whole input in order.

import type { Combiner } from "./combiner.ts";
import { checkTimestamp, detach, selectorOrIdentity } from "./_util.ts";

/** Accumulator of {@linkcode first} and {@linkcode last}: `null` for an empty window, else the chosen value and its event time. */
export type EventTimeAccumulator<T> = null | { time: number; value: T };

type Which = "first" | "last";

export function byEventTime<I, T>(
  which: Which,
  selector: ((element: I) => T) | undefined,
): Combiner<I, EventTimeAccumulator<T>, T | undefined> {
  const what = `${which}()`;
  const select = selectorOrIdentity<I, T>(what, selector);
  const wins = which === "first"
    ? (time: number, current: number) => time < current
    : (time: number, current: number) => time >= current;
  return {
    create: () => null,
    add(acc, element, timestamp) {
      checkTimestamp(what, timestamp);
      if (acc === null) return { time: timestamp, value: select(element) };
      if (wins(timestamp, acc.time)) {
        acc.time = timestamp;
        acc.value = select(element);
      }
      return acc;
    },
    merge(a, b) {
      if (b === null) return a;
      // Copy out of `b`: the engine may keep adding to `b`, which must not change `a`.
      if (a === null) return { time: b.time, value: b.value };
      if (wins(b.time, a.time)) {
        a.time = b.time;
        a.value = b.value;
      }
      return a;
    },
    result: (acc) => (acc === null ? undefined : detach(acc.value)),
  };
}
