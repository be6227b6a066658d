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

// Every kernel below is an object literal whose methods are functions of this module reading their
// parts from `this`, never closures made per kernel: V8 inlines a kernel's methods into an engine's
// per-element loop, and optimized code holds what it inlined weakly, so a closure made for one job and
// dead after it (a full garbage collection between two jobs) threw away the engine's optimized loop
// for the next job, which started over in the interpreter (see operators/shapes.ts). Functions of
// the module outlive every job. A literal's hidden class does not: V8 keeps a map no object has for
// two more full collections (its --retain-maps-for-n-gc), then drops it, and the code that checked
// it. The engines keep a blank kernel of their job's shape alive for that (blankColumnKernel).

/** A column kernel's parts (each one slot): its own fields, read by the functions below. */
interface Parts {
  readonly width: number;
  readonly ks: readonly PartKernel[];
  readonly k0: PartKernel;
  readonly k1: PartKernel | null;
  readonly k2: PartKernel | null;
  readonly k3: PartKernel | null;
  readonly i0: number;
  readonly i1: number;
  readonly i2: number;
  readonly i3: number;
  /** The result's names, and the template every result object is a copy of (composedColumns only). */
  readonly names: readonly string[];
  readonly template: Record<string, unknown> | null;
  /** Scratch for the merge of more than two parts. */
  readonly xs: Float64Array;
}

type Kernel = ColumnKernel & Parts;

function first1(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const a = this.k0.next(this.i0, v, t);
  if (a !== a) return false;
  col[at] = a;
  return true;
}

function add1(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const a = this.k0.next(col[at]!, v, t);
  if (a !== a) return false;
  col[at] = a;
  return true;
}

function first2(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const a = this.k0.next(this.i0, v, t);
  if (a !== a) return false;
  const b = this.k1!.next(this.i1, v, t);
  if (b !== b) return false;
  col[at] = a;
  col[at + 1] = b;
  return true;
}

function add2(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const a = this.k0.next(col[at]!, v, t);
  if (a !== a) return false;
  const b = this.k1!.next(col[at + 1]!, v, t);
  if (b !== b) return false;
  col[at] = a;
  col[at + 1] = b;
  return true;
}

function first3(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const a = this.k0.next(this.i0, v, t);
  if (a !== a) return false;
  const b = this.k1!.next(this.i1, v, t);
  if (b !== b) return false;
  const c = this.k2!.next(this.i2, v, t);
  if (c !== c) return false;
  col[at] = a;
  col[at + 1] = b;
  col[at + 2] = c;
  return true;
}

function add3(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const a = this.k0.next(col[at]!, v, t);
  if (a !== a) return false;
  const b = this.k1!.next(col[at + 1]!, v, t);
  if (b !== b) return false;
  const c = this.k2!.next(col[at + 2]!, v, t);
  if (c !== c) return false;
  col[at] = a;
  col[at + 1] = b;
  col[at + 2] = c;
  return true;
}

function first4(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const a = this.k0.next(this.i0, v, t);
  if (a !== a) return false;
  const b = this.k1!.next(this.i1, v, t);
  if (b !== b) return false;
  const c = this.k2!.next(this.i2, v, t);
  if (c !== c) return false;
  const d = this.k3!.next(this.i3, v, t);
  if (d !== d) return false;
  col[at] = a;
  col[at + 1] = b;
  col[at + 2] = c;
  col[at + 3] = d;
  return true;
}

function add4(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const a = this.k0.next(col[at]!, v, t);
  if (a !== a) return false;
  const b = this.k1!.next(col[at + 1]!, v, t);
  if (b !== b) return false;
  const c = this.k2!.next(col[at + 2]!, v, t);
  if (c !== c) return false;
  const d = this.k3!.next(col[at + 3]!, v, t);
  if (d !== d) return false;
  col[at] = a;
  col[at + 1] = b;
  col[at + 2] = c;
  col[at + 3] = d;
  return true;
}

/** One part's accumulator: the part kernel's own. */
function toAcc1(this: Parts, col: Float64Array, at: number): unknown {
  return this.k0.toAcc(col[at]!);
}

/** An object of combiners' accumulator: an array with one entry per part. */
function toAccN(this: Parts, col: Float64Array, at: number): unknown[] {
  const ks = this.ks, n = ks.length;
  const acc: unknown[] = [];
  for (let i = 0; i < n; i++) acc.push(ks[i]!.toAcc(col[at + i]!));
  return acc;
}

function fromAcc1(this: Parts, col: Float64Array, at: number, acc: unknown): boolean {
  const x = this.k0.fromAcc(acc);
  if (x === undefined) return false;
  col[at] = x;
  return true;
}

function fromAccN(this: Parts, col: Float64Array, at: number, acc: unknown): boolean {
  const ks = this.ks, n = ks.length;
  if (!Array.isArray(acc) || acc.length !== n) return false;
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = ks[i]!.fromAcc(acc[i]);
    if (x === undefined) return false;
    xs.push(x);
  }
  for (let i = 0; i < n; i++) col[at + i] = xs[i]!;
  return true;
}

function result1(this: Parts, col: Float64Array, at: number): unknown {
  return this.k0.result(col[at]!);
}

function resultObject1(this: Parts, col: Float64Array, at: number): unknown {
  const out = { ...this.template };
  out[this.names[0]!] = this.k0.result(col[at]!);
  return out;
}

function resultObject2(this: Parts, col: Float64Array, at: number): unknown {
  const out = { ...this.template }, names = this.names;
  out[names[0]!] = this.k0.result(col[at]!);
  out[names[1]!] = this.k1!.result(col[at + 1]!);
  return out;
}

function resultObject3(this: Parts, col: Float64Array, at: number): unknown {
  const out = { ...this.template }, names = this.names;
  out[names[0]!] = this.k0.result(col[at]!);
  out[names[1]!] = this.k1!.result(col[at + 1]!);
  out[names[2]!] = this.k2!.result(col[at + 2]!);
  return out;
}

function resultObject4(this: Parts, col: Float64Array, at: number): unknown {
  const out = { ...this.template }, names = this.names;
  out[names[0]!] = this.k0.result(col[at]!);
  out[names[1]!] = this.k1!.result(col[at + 1]!);
  out[names[2]!] = this.k2!.result(col[at + 2]!);
  out[names[3]!] = this.k3!.result(col[at + 3]!);
  return out;
}

// merge and retract over every part (each one slot): the pure part operation on every part first,
// then every store, so that a part that cannot leaves the slots as they were. One and two parts are
// written out, as first and add are (a call site per part, which V8 inlines: a sliding window
// merges and retracts per key and slice); more parts share slotwiseN.

function merge1(this: Parts, col: Float64Array, at: number, src: Float64Array, from: number): boolean {
  const a = this.k0.merge!(col[at]!, src[from]!);
  if (a !== a) return false;
  col[at] = a;
  return true;
}

function merge2(this: Parts, col: Float64Array, at: number, src: Float64Array, from: number): boolean {
  const a = this.k0.merge!(col[at]!, src[from]!);
  if (a !== a) return false;
  const b = this.k1!.merge!(col[at + 1]!, src[from + 1]!);
  if (b !== b) return false;
  col[at] = a;
  col[at + 1] = b;
  return true;
}

/** merge or retract of more than two parts: one part kernel method per part, through `op`. */
function slotwiseN(
  p: Parts,
  op: "merge" | "retract",
  col: Float64Array,
  at: number,
  src: Float64Array,
  from: number,
): boolean {
  const ks = p.ks, n = ks.length, xs = p.xs;
  for (let i = 0; i < n; i++) {
    const x = ks[i]![op]!(col[at + i]!, src[from + i]!);
    if (x !== x) return false;
    xs[i] = x;
  }
  col.set(xs, at);
  return true;
}

function mergeN(this: Parts, col: Float64Array, at: number, src: Float64Array, from: number): boolean {
  return slotwiseN(this, "merge", col, at, src, from);
}

function retract1(this: Parts, col: Float64Array, at: number, src: Float64Array, from: number): boolean {
  const a = this.k0.retract!(col[at]!, src[from]!);
  if (a !== a) return false;
  col[at] = a;
  return true;
}

function retract2(this: Parts, col: Float64Array, at: number, src: Float64Array, from: number): boolean {
  const a = this.k0.retract!(col[at]!, src[from]!);
  if (a !== a) return false;
  const b = this.k1!.retract!(col[at + 1]!, src[from + 1]!);
  if (b !== b) return false;
  col[at] = a;
  col[at + 1] = b;
  return true;
}

function retractN(this: Parts, col: Float64Array, at: number, src: Float64Array, from: number): boolean {
  return slotwiseN(this, "retract", col, at, src, from);
}

const FIRST = [first1, first2, first3, first4];
const ADD = [add1, add2, add3, add4];
const RESULT_OBJECT = [resultObject1, resultObject2, resultObject3, resultObject4];

/**
 * The column kernel over part kernels `ks` (one to four), one slot each. Its result is the single
 * part's own when `names` is null, else an object copied from `template` with the parts under `names`.
 * One object literal for every arity, so that every column kernel has one hidden class.
 */
function kernelOf(
  ks: readonly PartKernel[],
  names: readonly string[] | null,
  template: Record<string, unknown> | null,
): Kernel {
  const n = ks.length;
  const merges = ks.every((k) => k.merge !== undefined);
  const retracts = ks.every((k) => k.retract !== undefined);
  const kernel: Kernel = {
    width: n,
    ks,
    k0: ks[0]!,
    k1: ks[1] ?? null,
    k2: ks[2] ?? null,
    k3: ks[3] ?? null,
    i0: ks[0]!.initial,
    i1: ks[1]?.initial ?? 0,
    i2: ks[2]?.initial ?? 0,
    i3: ks[3]?.initial ?? 0,
    names: names ?? [],
    template,
    xs: new Float64Array(n),
    first: FIRST[n - 1]!,
    add: ADD[n - 1]!,
    toAcc: names === null ? toAcc1 : toAccN,
    fromAcc: names === null ? fromAcc1 : fromAccN,
    result: names === null ? result1 : RESULT_OBJECT[n - 1]!,
    merge: !merges ? undefined : n === 1 ? merge1 : n === 2 ? merge2 : mergeN,
    retract: !retracts ? undefined : n === 1 ? retract1 : n === 2 ? retract2 : retractN,
  };
  return kernel;
}

function singleColumn(k: PartKernel): ColumnKernel {
  return kernelOf([k], null, null);
}

/**
 * The column kernel of an object of combiners (composeCombiners: the accumulator is an array with one
 * entry per part, the result an object copied from `template`), when every part has a part kernel:
 * up to four parts, each part's `next` with its own call site, which V8 can inline.
 */
export function composedColumns(
  names: readonly string[],
  parts: readonly object[],
  template: Record<string, unknown>,
): ColumnKernel | null {
  const ks = parts.map(partKernelOf);
  if (ks.some((k) => k === null) || ks.length > 4) return null;
  return kernelOf(ks as PartKernel[], names, template);
}

/**
 * A kernel of `kernel`'s shape (the same parts, names and template) whose selectors are weir's own
 * identity function (`itself`): it holds nothing of the job that made `kernel`, and keeps the hidden classes of
 * its kernel and part-kernel literals alive after that job (operators/shapes.ts).
 */
export function blankColumnKernel(kernel: ColumnKernel): ColumnKernel {
  const k = kernel as Kernel;
  return kernelOf(k.ks.map(blankPart), k.template === null ? null : k.names, k.template);
}

function blankPart(k: PartKernel): PartKernel {
  if (!("select" in k)) return k; // (COUNT_KERNEL: a constant of this module)
  const s = k as Selecting;
  return s.next === sumNext ? sumKernel(itself) : extremumKernel(s.min ? "min" : "max", itself);
}

/** (operators/shapes.ts blankFunction, which this folder cannot import: operators import aggregate) */
function itself(element: unknown): unknown {
  return element;
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

/** A part kernel of a selector (sum, min, max): its functions read the selector from `this`. */
interface Selecting extends PartKernel {
  readonly select: (element: unknown) => unknown;
  /** min() rather than max() (extremumKernel). */
  readonly min: boolean;
}

function sumNext(this: Selecting, x: number, v: unknown): number {
  const value = this.select(v);
  if (!Number.isSafeInteger(value)) return NaN;
  const total = x + (value as number);
  return Number.isSafeInteger(total) ? total : NaN;
}

function sumMerge(a: number, b: number): number {
  const total = a + b;
  return Number.isSafeInteger(total) ? total : NaN;
}

function identity(x: number): number {
  return x;
}

function sumFromAcc(acc: unknown): number | undefined {
  return typeof acc === "number" && Number.isSafeInteger(acc) ? acc + 0 : undefined;
}

/** (-0 as 0: sum()'s own result) */
function sumResult(x: number): number {
  return x + 0;
}

function sumRetract(a: number, b: number): number {
  const d = a - b;
  return Number.isSafeInteger(d) ? d : NaN;
}

/**
 * sum(): the total while it is a safe integer, as sum()'s own accumulator is (a plain number then,
 * exact partials otherwise).
 */
export function sumKernel(select: (element: unknown) => unknown): PartKernel {
  const kernel: Selecting = {
    initial: 0,
    select,
    min: false,
    next: sumNext,
    toAcc: identity,
    fromAcc: sumFromAcc,
    result: sumResult,
    merge: sumMerge,
    retract: sumRetract,
  };
  return kernel;
}

/** The extreme of `x` (NaN: none yet) and number `value` (not NaN), -0 below 0. */
function pick(min: boolean, x: number, value: number): number {
  if (x !== x) return value;
  if (value === x) {
    // only ±0 compare equal yet differ: min keeps -0, max keeps 0
    if (value !== 0) return x;
    return min ? (Object.is(value, -0) ? value : x) : (Object.is(x, -0) ? value : x);
  }
  return min ? (value < x ? value : x) : (value > x ? value : x);
}

function extremumNext(this: Selecting, x: number, v: unknown): number {
  const value = this.select(v);
  if (typeof value !== "number" || value !== value) return NaN;
  return pick(this.min, x, value);
}

// (two empty accumulators merge to NaN, which says "cannot": the engine then uses the combiner)
function extremumMerge(this: Selecting, a: number, b: number): number {
  return b !== b ? a : pick(this.min, a, b);
}

function extremumToAcc(x: number): ExtremumAccumulator {
  return x !== x ? null : { type: "number", value: encodeNumber(x) };
}

function extremumFromAcc(acc: unknown): number | undefined {
  if (acc === null) return NaN;
  const a = acc as ExtremumAccumulator;
  if (typeof a !== "object" || a === null || a.type !== "number") return undefined;
  const x = decodeNumber(a.value as never);
  return x !== x ? undefined : x;
}

function extremumResult(x: number): number | undefined {
  return x !== x ? undefined : x;
}

/**
 * min() and max() of numbers other than NaN (NaN in a slot stands for the empty accumulator, null):
 * the extreme value, with -0 below 0 as the combiner has it. A string or a NaN goes to the combiner.
 */
export function extremumKernel(which: "min" | "max", select: (element: unknown) => unknown): PartKernel {
  const kernel: Selecting = {
    initial: NaN,
    select,
    min: which === "min",
    next: extremumNext,
    merge: extremumMerge,
    toAcc: extremumToAcc,
    fromAcc: extremumFromAcc,
    result: extremumResult,
  };
  return kernel;
}
