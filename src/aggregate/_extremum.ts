// The shared body of min() and max(): one extreme value, compared with JavaScript's `<`/`>` on
// numbers or on strings (UTF-16 code unit order), with NaN winning as in Math.min/Math.max and
// -0 below 0, so the result never depends on the order in which equal-looking values arrive.

import type { Combiner } from "./combiner.ts";
import { decodeNumber, encodeNumber, type JsonNumber } from "./_json_number.ts";
import { describe, selectorOrIdentity } from "./_util.ts";
import { extremumKernel, withPartKernel } from "./column_kernel.ts";

/**
 * Accumulator of {@linkcode min} and {@linkcode max}: `null` for an empty window, else the extreme
 * value tagged with its type (numbers that JSON cannot carry — NaN, ±Infinity, -0 — by name).
 */
export type ExtremumAccumulator =
  | null
  | { type: "number"; value: number | "NaN" | "Infinity" | "-Infinity" | "-0" }
  | { type: "string"; value: string };

type Which = "min" | "max";

function numberWins(which: Which, candidate: number, current: number): boolean {
  if (Number.isNaN(current)) return false;
  if (Number.isNaN(candidate)) return true;
  if (candidate === current) {
    // Only ±0 compare equal yet differ: min prefers -0 and max prefers 0, as Math.min/max do.
    return which === "min"
      ? Object.is(candidate, -0) && !Object.is(current, -0)
      : Object.is(current, -0) && !Object.is(candidate, -0);
  }
  return which === "min" ? candidate < current : candidate > current;
}

function mixed(which: Which, a: string, b: string): TypeError {
  return new TypeError(
    `Cannot compare a ${a} with a ${b} in ${which}(): all values of a window must be numbers, or all strings`,
  );
}

/** Folds the tagged `value` of type `type` into `acc` (mutating it) and returns the accumulator. */
function fold(
  which: Which,
  acc: ExtremumAccumulator,
  type: "number" | "string",
  value: JsonNumber | string,
): ExtremumAccumulator {
  if (acc === null) return type === "number" ? { type, value: value as JsonNumber } : { type, value: value as string };
  if (acc.type !== type) throw mixed(which, type, acc.type);
  if (type === "string") {
    if (which === "min" ? value < acc.value : value > acc.value) acc.value = value;
  } else if (numberWins(which, decodeNumber(value as JsonNumber), decodeNumber(acc.value as JsonNumber))) {
    acc.value = value;
  }
  return acc;
}

export function extremum<I, T extends number | string>(
  which: Which,
  selector: ((element: I) => T) | undefined,
): Combiner<I, ExtremumAccumulator, T | undefined> {
  const select = selectorOrIdentity<I, T>(`${which}()`, selector);
  const combiner: Combiner<I, ExtremumAccumulator, T | undefined> = {
    create: () => null,
    add(acc, element) {
      const value: unknown = select(element);
      if (typeof value === "number") return fold(which, acc, "number", encodeNumber(value));
      if (typeof value === "string") return fold(which, acc, "string", value);
      throw new TypeError(
        `Cannot add to ${which}() as the value must be a number or a string: current value is ${describe(value)}`,
      );
    },
    merge: (a, b) => (b === null ? a : fold(which, a, b.type, b.value)),
    result(acc) {
      if (acc === null) return undefined;
      return (acc.type === "number" ? decodeNumber(acc.value) : acc.value) as T;
    },
  };
  return withPartKernel(combiner, extremumKernel(which, select as (element: unknown) => unknown));
}
