// Column kernels: the built-in combiners whose accumulator is, in the common case, one number (count,
// sum of safe integers, min and max of numbers) can keep it in a slot of a Float64Array instead of a
// JavaScript value, and an object of such combiners in a run of adjacent slots. A window engine that
// keeps one column per slice (or window) then folds an element with a Map lookup that yields a small
// integer and a few typed-array stores, allocates nothing per (key, window), and fires a window by
// reading its column in order. This is what a hand-written loop's `{ count, sum }` object costs
// without the object: at 10,000 keys and more, those objects are what the garbage collector spends
// its time on (they live as long as their window, so they survive scavenges and are promoted).
//
// A slot holds exactly what the combiner's own accumulator would, never an approximation: when an
// element cannot be represented (a sum leaving the safe integers, a NaN or a string for min), the
// kernel says so without writing anything, and the engine moves that one (key, window) to the
// combiner's own accumulator (`toAcc`, then `add`). The selector of such an element then runs twice,
// once here and once in `add`; selectors are expected to be pure (they are called once per element
// otherwise). Internal: not part of the Combiner contract users implement.
import { decodeNumber, encodeNumber } from "./_json_number.ts";
import type { ExtremumAccumulator } from "./_extremum.ts";

/**
 * One built-in combiner's accumulator as one number. `next` is pure (it writes nothing), so an object
 * of combiners can compute every part's next value before storing any, and fall back as a whole.
 */
export interface PartKernel {
  /** The number standing for `create()`. */
  readonly initial: number;
  /** The number standing for the accumulator `x` with element `v` added, or NaN when it cannot stand for it. */
  next(x: number, v: unknown, t: number): number;
  /** The combiner's own accumulator for `x`. */
  toAcc(x: number): unknown;
  /** The number standing for accumulator `acc`, or undefined when none does. */
  fromAcc(acc: unknown): number | undefined;
  /** The combiner's result for `x`. */
  result(x: number): unknown;
  /** The number for the merge of accumulators `a` and `b`, or NaN when no number stands for it. */
  merge?(a: number, b: number): number;
  /** The number for `a` without `b` (merged into it earlier: the combiner's retraction), or NaN. */
  retract?(a: number, b: number): number;
}

/** A combiner's accumulator as `width` adjacent slots of a Float64Array. */
export interface ColumnKernel {
  readonly width: number;
  /** Writes the accumulator of `create()` with `v` added at `at`; false (nothing written) when it cannot. */
  first(col: Float64Array, at: number, v: unknown, t: number): boolean;
  /** Adds `v` to the accumulator at `at`; false (nothing written) when the result cannot be stored there. */
  add(col: Float64Array, at: number, v: unknown, t: number): boolean;
  /** The combiner's own accumulator for the slots at `at`. */
  toAcc(col: Float64Array, at: number): unknown;
  /** Writes accumulator `acc` at `at`; false (nothing written) when the slots cannot stand for it. */
  fromAcc(col: Float64Array, at: number, acc: unknown): boolean;
  /** The combiner's result for the slots at `at`. */
  result(col: Float64Array, at: number): unknown;
  /**
   * Merges the accumulator at `from` in `src` into the one at `at` (sliding windows keep a running
   * accumulator per key); false (nothing written) when the slots cannot stand for the merge. Absent
   * when a part cannot merge in slots.
   */
  merge?: (col: Float64Array, at: number, src: Float64Array, from: number) => boolean;
  /** Takes the accumulator at `from` in `src` back out of the one at `at`, or false (nothing written). */
  retract?: (col: Float64Array, at: number, src: Float64Array, from: number) => boolean;
}

/**
 * merge and retract of a column kernel over `ks` (each part one slot): the pure part operation `op`
 * on every part first, then every store, so that a part that cannot leaves the slots as they were.
 */
function slotwise(
  ks: readonly PartKernel[],
  op: "merge" | "retract",
): ((col: Float64Array, at: number, src: Float64Array, from: number) => boolean) | undefined {
  const fs = ks.map((k) => k[op]);
  if (fs.some((f) => f === undefined)) return undefined;
  const [f0, f1] = fs as ((a: number, b: number) => number)[];
  switch (fs.length) {
    case 1:
      return (col, at, src, from) => {
        const a = f0!(col[at]!, src[from]!);
        if (a !== a) return false;
        col[at] = a;
        return true;
      };
    case 2:
      return (col, at, src, from) => {
        const a = f0!(col[at]!, src[from]!);
        if (a !== a) return false;
        const b = f1!(col[at + 1]!, src[from + 1]!);
        if (b !== b) return false;
        col[at] = a;
        col[at + 1] = b;
        return true;
      };
    default: {
      const n = fs.length;
      const xs = new Float64Array(n);
      return (col, at, src, from) => {
        for (let i = 0; i < n; i++) {
          const x = fs[i]!(col[at + i]!, src[from + i]!);
          if (x !== x) return false;
          xs[i] = x;
        }
        col.set(xs, at);
        return true;
      };
    }
  }
}

/** Where a built-in combiner keeps its part kernel. */
export const PART_KERNEL: unique symbol = Symbol("weir.partKernel");
/** Where an object of combiners keeps its column kernel. */
export const COLUMN_KERNEL: unique symbol = Symbol("weir.columnKernel");

/** Gives `combiner` its part kernel (a hidden property: the combiner's shape is unchanged). */
export function withPartKernel<C extends object>(combiner: C, kernel: PartKernel): C {
  Object.defineProperty(combiner, PART_KERNEL, { value: kernel });
  return combiner;
}

/** Gives `combiner` its column kernel. */
export function withColumnKernel<C extends object>(combiner: C, kernel: ColumnKernel): C {
  Object.defineProperty(combiner, COLUMN_KERNEL, { value: kernel });
  return combiner;
}

export function partKernelOf(combiner: object): PartKernel | null {
  return (combiner as { [PART_KERNEL]?: PartKernel })[PART_KERNEL] ?? null;
}

/** The column kernel of a combiner: its own, or one slot for a built-in with a part kernel; null otherwise. */
export function columnKernelOf(combiner: object): ColumnKernel | null {
  const own = (combiner as { [COLUMN_KERNEL]?: ColumnKernel })[COLUMN_KERNEL];
  if (own !== undefined) return own;
  const part = partKernelOf(combiner);
  return part === null ? null : singleColumn(part);
}

function singleColumn(k: PartKernel): ColumnKernel {
  const initial = k.initial;
  return {
    width: 1,
    first(col, at, v, t) {
      const x = k.next(initial, v, t);
      if (x !== x) return false;
      col[at] = x;
      return true;
    },
    add(col, at, v, t) {
      const x = k.next(col[at]!, v, t);
      if (x !== x) return false;
      col[at] = x;
      return true;
    },
    toAcc: (col, at) => k.toAcc(col[at]!),
    fromAcc(col, at, acc) {
      const x = k.fromAcc(acc);
      if (x === undefined) return false;
      col[at] = x;
      return true;
    },
    result: (col, at) => k.result(col[at]!),
    merge: slotwise([k], "merge"),
    retract: slotwise([k], "retract"),
  };
}

/**
 * The column kernel of an object of combiners (composeCombiners: the accumulator is an array with one
 * entry per part, the result an object copied from `template`), when every part has a part kernel.
 * Written out for up to four parts, as composeCombiners' own add is: each part's `next` gets its own
 * call site, which V8 can inline.
 */
export function composedColumns(
  names: readonly string[],
  parts: readonly object[],
  template: Record<string, unknown>,
): ColumnKernel | null {
  const ks = parts.map(partKernelOf);
  if (ks.some((k) => k === null)) return null;
  const n = ks.length;
  if (n > 4) return null;
  const [k0, k1, k2, k3] = ks as PartKernel[];
  const [n0, n1, n2, n3] = names;
  const initials = ks.map((k) => k!.initial);
  const [i0, i1, i2, i3] = initials;
  const merge = slotwise(ks as PartKernel[], "merge");
  const retract = slotwise(ks as PartKernel[], "retract");
  const toAcc = (col: Float64Array, at: number): unknown[] => {
    switch (n) {
      case 1:
        return [k0!.toAcc(col[at]!)];
      case 2:
        return [k0!.toAcc(col[at]!), k1!.toAcc(col[at + 1]!)];
      case 3:
        return [k0!.toAcc(col[at]!), k1!.toAcc(col[at + 1]!), k2!.toAcc(col[at + 2]!)];
      default:
        return [k0!.toAcc(col[at]!), k1!.toAcc(col[at + 1]!), k2!.toAcc(col[at + 2]!), k3!.toAcc(col[at + 3]!)];
    }
  };
  const fromAcc = (col: Float64Array, at: number, acc: unknown): boolean => {
    if (!Array.isArray(acc) || acc.length !== n) return false;
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      const x = ks[i]!.fromAcc(acc[i]);
      if (x === undefined) return false;
      xs.push(x);
    }
    for (let i = 0; i < n; i++) col[at + i] = xs[i]!;
    return true;
  };
  switch (n) {
    case 1:
      return {
        width: 1,
        first(col, at, v, t) {
          const a = k0!.next(i0!, v, t);
          if (a !== a) return false;
          col[at] = a;
          return true;
        },
        add(col, at, v, t) {
          const a = k0!.next(col[at]!, v, t);
          if (a !== a) return false;
          col[at] = a;
          return true;
        },
        toAcc,
        fromAcc,
        merge,
        retract,
        result(col, at) {
          const out = { ...template };
          out[n0!] = k0!.result(col[at]!);
          return out;
        },
      };
    case 2:
      return {
        width: 2,
        first(col, at, v, t) {
          const a = k0!.next(i0!, v, t);
          if (a !== a) return false;
          const b = k1!.next(i1!, v, t);
          if (b !== b) return false;
          col[at] = a;
          col[at + 1] = b;
          return true;
        },
        add(col, at, v, t) {
          const a = k0!.next(col[at]!, v, t);
          if (a !== a) return false;
          const b = k1!.next(col[at + 1]!, v, t);
          if (b !== b) return false;
          col[at] = a;
          col[at + 1] = b;
          return true;
        },
        toAcc,
        fromAcc,
        merge,
        retract,
        result(col, at) {
          const out = { ...template };
          out[n0!] = k0!.result(col[at]!);
          out[n1!] = k1!.result(col[at + 1]!);
          return out;
        },
      };
    case 3:
      return {
        width: 3,
        first(col, at, v, t) {
          const a = k0!.next(i0!, v, t);
          if (a !== a) return false;
          const b = k1!.next(i1!, v, t);
          if (b !== b) return false;
          const c = k2!.next(i2!, v, t);
          if (c !== c) return false;
          col[at] = a;
          col[at + 1] = b;
          col[at + 2] = c;
          return true;
        },
        add(col, at, v, t) {
          const a = k0!.next(col[at]!, v, t);
          if (a !== a) return false;
          const b = k1!.next(col[at + 1]!, v, t);
          if (b !== b) return false;
          const c = k2!.next(col[at + 2]!, v, t);
          if (c !== c) return false;
          col[at] = a;
          col[at + 1] = b;
          col[at + 2] = c;
          return true;
        },
        toAcc,
        fromAcc,
        merge,
        retract,
        result(col, at) {
          const out = { ...template };
          out[n0!] = k0!.result(col[at]!);
          out[n1!] = k1!.result(col[at + 1]!);
          out[n2!] = k2!.result(col[at + 2]!);
          return out;
        },
      };
    default:
      return {
        width: 4,
        first(col, at, v, t) {
          const a = k0!.next(i0!, v, t);
          if (a !== a) return false;
          const b = k1!.next(i1!, v, t);
          if (b !== b) return false;
          const c = k2!.next(i2!, v, t);
          if (c !== c) return false;
          const d = k3!.next(i3!, v, t);
          if (d !== d) return false;
          col[at] = a;
          col[at + 1] = b;
          col[at + 2] = c;
          col[at + 3] = d;
          return true;
        },
        add(col, at, v, t) {
          const a = k0!.next(col[at]!, v, t);
          if (a !== a) return false;
          const b = k1!.next(col[at + 1]!, v, t);
          if (b !== b) return false;
          const c = k2!.next(col[at + 2]!, v, t);
          if (c !== c) return false;
          const d = k3!.next(col[at + 3]!, v, t);
          if (d !== d) return false;
          col[at] = a;
          col[at + 1] = b;
          col[at + 2] = c;
          col[at + 3] = d;
          return true;
        },
        toAcc,
        fromAcc,
        merge,
        retract,
        result(col, at) {
          const out = { ...template };
          out[n0!] = k0!.result(col[at]!);
          out[n1!] = k1!.result(col[at + 1]!);
          out[n2!] = k2!.result(col[at + 2]!);
          out[n3!] = k3!.result(col[at + 3]!);
          return out;
        },
      };
  }
}

/** count(): the count itself. */
export const COUNT_KERNEL: PartKernel = {
  initial: 0,
  merge: (a, b) => a + b,
  retract: (a, b) => a - b,
  next: (x) => x + 1,
  toAcc: (x) => x,
  fromAcc: (acc) => (typeof acc === "number" && Number.isSafeInteger(acc) && acc >= 0 ? acc : undefined),
  result: (x) => x,
};

/**
 * sum(): the total while it is a safe integer, as sum()'s own accumulator is (a plain number then,
 * exact partials otherwise).
 */
export function sumKernel(select: (element: unknown) => unknown): PartKernel {
  return {
    initial: 0,
    next(x, v) {
      const value = select(v);
      if (!Number.isSafeInteger(value)) return NaN;
      const total = x + (value as number);
      return Number.isSafeInteger(total) ? total : NaN;
    },
    toAcc: (x) => x,
    fromAcc: (acc) => (typeof acc === "number" && Number.isSafeInteger(acc) ? acc + 0 : undefined),
    result: (x) => x + 0,
    merge(a, b) {
      const total = a + b;
      return Number.isSafeInteger(total) ? total : NaN;
    },
    retract(a, b) {
      const d = a - b;
      return Number.isSafeInteger(d) ? d : NaN;
    },
  };
}

/**
 * min() and max() of numbers other than NaN (NaN in a slot stands for the empty accumulator, null):
 * the extreme value, with -0 below 0 as the combiner has it. A string or a NaN goes to the combiner.
 */
export function extremumKernel(which: "min" | "max", select: (element: unknown) => unknown): PartKernel {
  const min = which === "min";
  /** The extreme of `x` (NaN: none yet) and number `value` (not NaN). */
  const pick = (x: number, value: number): number => {
    if (x !== x) return value;
    if (value === x) {
      // only ±0 compare equal yet differ: min keeps -0, max keeps 0
      if (value !== 0) return x;
      return min ? (Object.is(value, -0) ? value : x) : (Object.is(x, -0) ? value : x);
    }
    return min ? (value < x ? value : x) : (value > x ? value : x);
  };
  return {
    initial: NaN,
    next(x, v) {
      const value = select(v);
      if (typeof value !== "number" || value !== value) return NaN;
      return pick(x, value);
    },
    // (two empty accumulators merge to NaN, which says "cannot": the engine then uses the combiner)
    merge: (a, b) => (b !== b ? a : pick(a, b)),
    toAcc: (x): ExtremumAccumulator => (x !== x ? null : { type: "number", value: encodeNumber(x) }),
    fromAcc(acc) {
      if (acc === null) return NaN;
      const a = acc as ExtremumAccumulator;
      if (typeof a !== "object" || a === null || a.type !== "number") return undefined;
      const x = decodeNumber(a.value as never);
      return x !== x ? undefined : x;
    },
    result: (x) => (x !== x ? undefined : x),
  };
}
