// Column kernels: the built-in combiners whose accumulator is, in the common case, a few numbers (count;
// sum as an exact pair of doubles; min and max of numbers; mean as a sum and a count) can keep it in
// slots of a Float64Array instead of a JavaScript value, and an object of such combiners in a run of
// adjacent slots. A window engine that
// keeps one column per slice (or window) then folds an element with a Map lookup that yields a small
// integer and a few typed-array stores, allocates nothing per (key, window), and fires a window by
// reading its column in order. This is what a hand-written loop's `{ count, sum }` object costs
// without the object: at 10,000 keys and more, those objects are what the garbage collector spends
// its time on (they live as long as their window, so they survive scavenges and are promoted).
//
// Slots hold exactly what the combiner's own accumulator would, never an approximation: when an
// element cannot be represented (a sum whose exact value two doubles cannot hold, a NaN or a string
// for min), the
// kernel says so without writing anything, and the engine moves that one (key, window) to the
// combiner's own accumulator (`toAcc`, then `add`). The selector of such an element then runs twice,
// once here and once in `add`; selectors are expected to be pure (they are called once per element
// otherwise). Internal: not part of the Combiner contract users implement.
import { decodeNumber, encodeNumber } from "./_json_number.ts";
import type { ExtremumAccumulator } from "./_extremum.ts";
import type { SumAccumulator } from "./_exact_sum.ts";
import type { MeanAccumulator } from "./mean.ts";

/**
 * One slot of a column kernel. `next`, `merge` and `retract` are pure (they write nothing), so an
 * object of combiners can compute every slot's next value before storing any, and fall back as a
 * whole. A slot may read the other slots of its part (a sum's low half) at their fixed distance.
 */
export interface SlotKernel {
  /** The number this slot holds for `create()`. */
  readonly initial: number;
  /** This slot's value (now `col[at]`) with element `v` added, or NaN when the slots cannot stand for it. */
  next(col: Float64Array, at: number, v: unknown, t: number): number;
  /** This slot's value for the merge of the accumulator at `at` and the one at `from` in `src`, or NaN. */
  merge?(col: Float64Array, at: number, src: Float64Array, from: number): number;
  /** This slot's value for the accumulator at `at` without the one at `from` in `src` (merged into it earlier), or NaN. */
  retract?(col: Float64Array, at: number, src: Float64Array, from: number): number;
}

/**
 * One built-in combiner's accumulator as slots: eager slots, computed for every element, and lazy
 * ones, which only change when a value leaves the safe integers (a sum's low half). A column kernel
 * lays out every part's eager slots first, in part order, then every part's lazy slots, so that an
 * accumulator of safe integers costs one slot per part per element, as it did when every part had
 * one slot (see `legacyWidth`). The methods take the index of the part's first eager slot and of its
 * first lazy slot.
 */
export interface PartKernel {
  readonly kind: "count" | "sum" | "min" | "max" | "mean";
  readonly eager: number;
  readonly lazy: number;
  /**
   * Its eager slots and then its lazy ones, for lazy slots `lazyOffset` slots after its first eager
   * one. A lazy slot's `next` (and `merge`, `retract`) gives what the eager slots computed last for it.
   */
  slots(lazyOffset: number): SlotKernel[];
  /** The combiner's own accumulator. */
  toAcc(col: Float64Array, p: number, e: number): unknown;
  /** Writes the slots standing for accumulator `acc`, or returns false (having written any of them). */
  fromAcc(col: Float64Array, p: number, e: number, acc: unknown): boolean;
  /** The combiner's result. */
  result(col: Float64Array, p: number, e: number): unknown;
}

/** A combiner's accumulator as `width` adjacent slots of a Float64Array. */
export interface ColumnKernel {
  readonly width: number;
  /**
   * The width of the same aggregate's columns in snapshots written when every part had one slot
   * (count, sum of safe integers, min, max: before sums took a second slot), when its eager slots
   * with zeros in the others stand for what those held; -1 when no such snapshot exists.
   */
  readonly legacyWidth: number;
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

/** The column kernel of a combiner: its own, or its part's for a built-in with a part kernel; null otherwise. */
export function columnKernelOf(combiner: object): ColumnKernel | null {
  const own = (combiner as { [COLUMN_KERNEL]?: ColumnKernel })[COLUMN_KERNEL];
  if (own !== undefined) return own;
  const part = partKernelOf(combiner);
  return part === null ? null : kernelOf([part], null, null);
}

/** Whether `kernel` reads a snapshot's columns of `width` slots (see columnsFromSnapshot). */
export function readsSnapshotWidth(kernel: ColumnKernel, width: number): boolean {
  return width === kernel.width || (width === kernel.legacyWidth && width > 0);
}

/**
 * Columns of `width` slots per accumulator from a snapshot, as columns of `kernel`: themselves when
 * the widths agree, or widened from the layout of snapshots written when every part had one slot
 * (`legacyWidth`: each part's eager slot where it was, zeros in the lazy slots); null when the
 * snapshot's columns are of no layout of this kernel.
 */
export function columnsFromSnapshot(kernel: ColumnKernel, col: Float64Array, width: number): Float64Array | null {
  if (width === kernel.width) return col;
  if (!readsSnapshotWidth(kernel, width) || col.length % width !== 0) return null;
  const rows = col.length / width, w = kernel.width;
  const out = new Float64Array(rows * w);
  for (let r = 0; r < rows; r++) out.set(col.subarray(r * width, r * width + width), r * w);
  return out;
}

// Every kernel below is an object literal whose methods are functions of this module reading their
// parts from `this`, never closures made per kernel: V8 inlines a kernel's methods into an engine's
// per-element loop, and optimized code holds what it inlined weakly, so a closure made for one job and
// dead after it (a full garbage collection between two jobs) threw away the engine's optimized loop
// for the next job, which started over in the interpreter (see operators/shapes.ts). Functions of
// the module outlive every job. A literal's hidden class does not: V8 keeps a map no object has for
// two more full collections (its --retain-maps-for-n-gc), then drops it, and the code that checked
// it. The engines keep a blank kernel of their job's shape alive for that (blankColumnKernel).

/** A column kernel's slots and parts: its own fields, read by the functions below. */
interface Parts {
  readonly width: number;
  /** The eager slots, in slot order (every part's, in part order). */
  readonly ks: readonly SlotKernel[];
  readonly k0: SlotKernel;
  readonly k1: SlotKernel | null;
  readonly k2: SlotKernel | null;
  readonly k3: SlotKernel | null;
  readonly k4: SlotKernel | null;
  readonly k5: SlotKernel | null;
  readonly k6: SlotKernel | null;
  readonly k7: SlotKernel | null;
  /** The lazy slots, which follow the eager ones from slot `lazyAt` on. */
  readonly ls: readonly SlotKernel[];
  readonly lazyAt: number;
  /** Each slot's value for `create()` (what `first` adds to). */
  readonly init: Float64Array;
  /** The parts, where the eager slots of each start, and where its lazy slots start. */
  readonly ps: readonly PartKernel[];
  readonly p0: PartKernel;
  readonly p1: PartKernel | null;
  readonly p2: PartKernel | null;
  readonly p3: PartKernel | null;
  readonly qs: readonly number[];
  readonly q0: number;
  readonly q1: number;
  readonly q2: number;
  readonly q3: number;
  readonly es: readonly number[];
  readonly e0: number;
  readonly e1: number;
  readonly e2: number;
  readonly e3: number;
  /** The result's names, and the template every result object is a copy of (composedColumns only). */
  readonly names: readonly string[];
  readonly template: Record<string, unknown> | null;
  /** Scratch for the slots of one accumulator while they are computed. */
  readonly xs: Float64Array;
}

type Kernel = ColumnKernel & Parts;

// first and add of one to eight eager slots are written out, merge and retract of one and two: a call
// site per slot, which V8 inlines into the engine's loop (an element is added per element, merges and
// retractions come per key and slice of sliding windows). Each computes every eager slot's next value
// (pure) before storing any, so that a slot that cannot leaves the accumulator as it was; then the
// lazy slots when a slot changed them (lazyPending: a value left the safe integers). More eager slots
// share stepN and slotwiseN.

/**
 * Set by a slot that changed its lazy slots' values (a sum past the safe integers); cleared when they
 * are stored. Left set by a step that then failed, it only makes the next step store lazy slots that
 * did not change: every eager slot sets its lazy values on every step, the integer ones included.
 */
let lazyPending = false;

/** Stores the lazy slots of the accumulator at `at` (what the eager slots computed for them). */
function commitLazy(p: Parts, col: Float64Array, at: number): void {
  lazyPending = false;
  const ls = p.ls, base = at + p.lazyAt;
  for (let j = 0; j < ls.length; j++) col[base + j] = ls[j]!.next(col, base + j, undefined, 0);
}

function first1(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const init = this.init;
  const a = this.k0.next(init, 0, v, t);
  if (a !== a) return false;
  col[at] = a;
  commitLazy(this, col, at);
  return true;
}

function add1(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const a = this.k0.next(col, at, v, t);
  if (a !== a) return false;
  col[at] = a;
  if (lazyPending) commitLazy(this, col, at);
  return true;
}

function first2(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const init = this.init;
  const a = this.k0.next(init, 0, v, t);
  if (a !== a) return false;
  const b = this.k1!.next(init, 1, v, t);
  if (b !== b) return false;
  col[at] = a;
  col[at + 1] = b;
  commitLazy(this, col, at);
  return true;
}

function add2(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const a = this.k0.next(col, at, v, t);
  if (a !== a) return false;
  const b = this.k1!.next(col, at + 1, v, t);
  if (b !== b) return false;
  col[at] = a;
  col[at + 1] = b;
  if (lazyPending) commitLazy(this, col, at);
  return true;
}

function first3(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const init = this.init;
  const a = this.k0.next(init, 0, v, t);
  if (a !== a) return false;
  const b = this.k1!.next(init, 1, v, t);
  if (b !== b) return false;
  const c = this.k2!.next(init, 2, v, t);
  if (c !== c) return false;
  col[at] = a;
  col[at + 1] = b;
  col[at + 2] = c;
  commitLazy(this, col, at);
  return true;
}

function add3(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const a = this.k0.next(col, at, v, t);
  if (a !== a) return false;
  const b = this.k1!.next(col, at + 1, v, t);
  if (b !== b) return false;
  const c = this.k2!.next(col, at + 2, v, t);
  if (c !== c) return false;
  col[at] = a;
  col[at + 1] = b;
  col[at + 2] = c;
  if (lazyPending) commitLazy(this, col, at);
  return true;
}

function first4(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const init = this.init;
  const a = this.k0.next(init, 0, v, t);
  if (a !== a) return false;
  const b = this.k1!.next(init, 1, v, t);
  if (b !== b) return false;
  const c = this.k2!.next(init, 2, v, t);
  if (c !== c) return false;
  const d = this.k3!.next(init, 3, v, t);
  if (d !== d) return false;
  col[at] = a;
  col[at + 1] = b;
  col[at + 2] = c;
  col[at + 3] = d;
  commitLazy(this, col, at);
  return true;
}

function add4(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const a = this.k0.next(col, at, v, t);
  if (a !== a) return false;
  const b = this.k1!.next(col, at + 1, v, t);
  if (b !== b) return false;
  const c = this.k2!.next(col, at + 2, v, t);
  if (c !== c) return false;
  const d = this.k3!.next(col, at + 3, v, t);
  if (d !== d) return false;
  col[at] = a;
  col[at + 1] = b;
  col[at + 2] = c;
  col[at + 3] = d;
  if (lazyPending) commitLazy(this, col, at);
  return true;
}

function first5(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const init = this.init;
  const a = this.k0.next(init, 0, v, t);
  if (a !== a) return false;
  const b = this.k1!.next(init, 1, v, t);
  if (b !== b) return false;
  const c = this.k2!.next(init, 2, v, t);
  if (c !== c) return false;
  const d = this.k3!.next(init, 3, v, t);
  if (d !== d) return false;
  const e = this.k4!.next(init, 4, v, t);
  if (e !== e) return false;
  col[at] = a;
  col[at + 1] = b;
  col[at + 2] = c;
  col[at + 3] = d;
  col[at + 4] = e;
  commitLazy(this, col, at);
  return true;
}

function add5(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const a = this.k0.next(col, at, v, t);
  if (a !== a) return false;
  const b = this.k1!.next(col, at + 1, v, t);
  if (b !== b) return false;
  const c = this.k2!.next(col, at + 2, v, t);
  if (c !== c) return false;
  const d = this.k3!.next(col, at + 3, v, t);
  if (d !== d) return false;
  const e = this.k4!.next(col, at + 4, v, t);
  if (e !== e) return false;
  col[at] = a;
  col[at + 1] = b;
  col[at + 2] = c;
  col[at + 3] = d;
  col[at + 4] = e;
  if (lazyPending) commitLazy(this, col, at);
  return true;
}

function first6(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const init = this.init;
  const a = this.k0.next(init, 0, v, t);
  if (a !== a) return false;
  const b = this.k1!.next(init, 1, v, t);
  if (b !== b) return false;
  const c = this.k2!.next(init, 2, v, t);
  if (c !== c) return false;
  const d = this.k3!.next(init, 3, v, t);
  if (d !== d) return false;
  const e = this.k4!.next(init, 4, v, t);
  if (e !== e) return false;
  const f = this.k5!.next(init, 5, v, t);
  if (f !== f) return false;
  col[at] = a;
  col[at + 1] = b;
  col[at + 2] = c;
  col[at + 3] = d;
  col[at + 4] = e;
  col[at + 5] = f;
  commitLazy(this, col, at);
  return true;
}

function add6(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const a = this.k0.next(col, at, v, t);
  if (a !== a) return false;
  const b = this.k1!.next(col, at + 1, v, t);
  if (b !== b) return false;
  const c = this.k2!.next(col, at + 2, v, t);
  if (c !== c) return false;
  const d = this.k3!.next(col, at + 3, v, t);
  if (d !== d) return false;
  const e = this.k4!.next(col, at + 4, v, t);
  if (e !== e) return false;
  const f = this.k5!.next(col, at + 5, v, t);
  if (f !== f) return false;
  col[at] = a;
  col[at + 1] = b;
  col[at + 2] = c;
  col[at + 3] = d;
  col[at + 4] = e;
  col[at + 5] = f;
  if (lazyPending) commitLazy(this, col, at);
  return true;
}

function first7(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const init = this.init;
  const a = this.k0.next(init, 0, v, t);
  if (a !== a) return false;
  const b = this.k1!.next(init, 1, v, t);
  if (b !== b) return false;
  const c = this.k2!.next(init, 2, v, t);
  if (c !== c) return false;
  const d = this.k3!.next(init, 3, v, t);
  if (d !== d) return false;
  const e = this.k4!.next(init, 4, v, t);
  if (e !== e) return false;
  const f = this.k5!.next(init, 5, v, t);
  if (f !== f) return false;
  const g = this.k6!.next(init, 6, v, t);
  if (g !== g) return false;
  col[at] = a;
  col[at + 1] = b;
  col[at + 2] = c;
  col[at + 3] = d;
  col[at + 4] = e;
  col[at + 5] = f;
  col[at + 6] = g;
  commitLazy(this, col, at);
  return true;
}

function add7(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const a = this.k0.next(col, at, v, t);
  if (a !== a) return false;
  const b = this.k1!.next(col, at + 1, v, t);
  if (b !== b) return false;
  const c = this.k2!.next(col, at + 2, v, t);
  if (c !== c) return false;
  const d = this.k3!.next(col, at + 3, v, t);
  if (d !== d) return false;
  const e = this.k4!.next(col, at + 4, v, t);
  if (e !== e) return false;
  const f = this.k5!.next(col, at + 5, v, t);
  if (f !== f) return false;
  const g = this.k6!.next(col, at + 6, v, t);
  if (g !== g) return false;
  col[at] = a;
  col[at + 1] = b;
  col[at + 2] = c;
  col[at + 3] = d;
  col[at + 4] = e;
  col[at + 5] = f;
  col[at + 6] = g;
  if (lazyPending) commitLazy(this, col, at);
  return true;
}

function first8(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const init = this.init;
  const a = this.k0.next(init, 0, v, t);
  if (a !== a) return false;
  const b = this.k1!.next(init, 1, v, t);
  if (b !== b) return false;
  const c = this.k2!.next(init, 2, v, t);
  if (c !== c) return false;
  const d = this.k3!.next(init, 3, v, t);
  if (d !== d) return false;
  const e = this.k4!.next(init, 4, v, t);
  if (e !== e) return false;
  const f = this.k5!.next(init, 5, v, t);
  if (f !== f) return false;
  const g = this.k6!.next(init, 6, v, t);
  if (g !== g) return false;
  const h = this.k7!.next(init, 7, v, t);
  if (h !== h) return false;
  col[at] = a;
  col[at + 1] = b;
  col[at + 2] = c;
  col[at + 3] = d;
  col[at + 4] = e;
  col[at + 5] = f;
  col[at + 6] = g;
  col[at + 7] = h;
  commitLazy(this, col, at);
  return true;
}

function add8(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  const a = this.k0.next(col, at, v, t);
  if (a !== a) return false;
  const b = this.k1!.next(col, at + 1, v, t);
  if (b !== b) return false;
  const c = this.k2!.next(col, at + 2, v, t);
  if (c !== c) return false;
  const d = this.k3!.next(col, at + 3, v, t);
  if (d !== d) return false;
  const e = this.k4!.next(col, at + 4, v, t);
  if (e !== e) return false;
  const f = this.k5!.next(col, at + 5, v, t);
  if (f !== f) return false;
  const g = this.k6!.next(col, at + 6, v, t);
  if (g !== g) return false;
  const h = this.k7!.next(col, at + 7, v, t);
  if (h !== h) return false;
  col[at] = a;
  col[at + 1] = b;
  col[at + 2] = c;
  col[at + 3] = d;
  col[at + 4] = e;
  col[at + 5] = f;
  col[at + 6] = g;
  col[at + 7] = h;
  if (lazyPending) commitLazy(this, col, at);
  return true;
}

/** first and add of more than eight eager slots: every slot's next value into the scratch, then all stored. */
function stepN(
  p: Parts,
  col: Float64Array,
  at: number,
  src: Float64Array,
  from: number,
  v: unknown,
  t: number,
): boolean {
  const ks = p.ks, n = ks.length, xs = p.xs;
  for (let i = 0; i < n; i++) {
    const x = ks[i]!.next(src, from + i, v, t);
    if (x !== x) return false;
    xs[i] = x;
  }
  col.set(xs.subarray(0, n), at);
  commitLazy(p, col, at);
  return true;
}

function firstN(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  return stepN(this, col, at, this.init, 0, v, t);
}

function addN(this: Parts, col: Float64Array, at: number, v: unknown, t: number): boolean {
  return stepN(this, col, at, col, at, v, t);
}

/** One part's accumulator: the part kernel's own. */
function toAcc1(this: Parts, col: Float64Array, at: number): unknown {
  return this.p0.toAcc(col, at, at + this.e0);
}

/** An object of combiners' accumulator: an array with one entry per part. */
function toAccN(this: Parts, col: Float64Array, at: number): unknown[] {
  const ps = this.ps, qs = this.qs, es = this.es, n = ps.length;
  const acc: unknown[] = [];
  for (let i = 0; i < n; i++) acc.push(ps[i]!.toAcc(col, at + qs[i]!, at + es[i]!));
  return acc;
}

// (into the scratch first: a part that cannot stand for its accumulator leaves `col` as it was)
function fromAcc1(this: Parts, col: Float64Array, at: number, acc: unknown): boolean {
  const xs = this.xs;
  if (!this.p0.fromAcc(xs, 0, this.e0, acc)) return false;
  col.set(xs, at);
  return true;
}

function fromAccN(this: Parts, col: Float64Array, at: number, acc: unknown): boolean {
  const ps = this.ps, qs = this.qs, es = this.es, n = ps.length, xs = this.xs;
  if (!Array.isArray(acc) || acc.length !== n) return false;
  for (let i = 0; i < n; i++) if (!ps[i]!.fromAcc(xs, qs[i]!, es[i]!, acc[i])) return false;
  col.set(xs, at);
  return true;
}

function result1(this: Parts, col: Float64Array, at: number): unknown {
  return this.p0.result(col, at, at + this.e0);
}

function resultObject1(this: Parts, col: Float64Array, at: number): unknown {
  const out = { ...this.template };
  out[this.names[0]!] = this.p0.result(col, at, at + this.e0);
  return out;
}

function resultObject2(this: Parts, col: Float64Array, at: number): unknown {
  const out = { ...this.template }, names = this.names;
  out[names[0]!] = this.p0.result(col, at, at + this.e0);
  out[names[1]!] = this.p1!.result(col, at + this.q1, at + this.e1);
  return out;
}

function resultObject3(this: Parts, col: Float64Array, at: number): unknown {
  const out = { ...this.template }, names = this.names;
  out[names[0]!] = this.p0.result(col, at, at + this.e0);
  out[names[1]!] = this.p1!.result(col, at + this.q1, at + this.e1);
  out[names[2]!] = this.p2!.result(col, at + this.q2, at + this.e2);
  return out;
}

function resultObject4(this: Parts, col: Float64Array, at: number): unknown {
  const out = { ...this.template }, names = this.names;
  out[names[0]!] = this.p0.result(col, at, at + this.e0);
  out[names[1]!] = this.p1!.result(col, at + this.q1, at + this.e1);
  out[names[2]!] = this.p2!.result(col, at + this.q2, at + this.e2);
  out[names[3]!] = this.p3!.result(col, at + this.q3, at + this.e3);
  return out;
}

function resultObjectN(this: Parts, col: Float64Array, at: number): unknown {
  const out = { ...this.template }, names = this.names, ps = this.ps, qs = this.qs, es = this.es;
  for (let i = 0; i < ps.length; i++) out[names[i]!] = ps[i]!.result(col, at + qs[i]!, at + es[i]!);
  return out;
}

function merge1(this: Parts, col: Float64Array, at: number, src: Float64Array, from: number): boolean {
  const a = this.k0.merge!(col, at, src, from);
  if (a !== a) return false;
  col[at] = a;
  if (lazyPending) commitLazy(this, col, at);
  return true;
}

function merge2(this: Parts, col: Float64Array, at: number, src: Float64Array, from: number): boolean {
  const a = this.k0.merge!(col, at, src, from);
  if (a !== a) return false;
  const b = this.k1!.merge!(col, at + 1, src, from + 1);
  if (b !== b) return false;
  col[at] = a;
  col[at + 1] = b;
  if (lazyPending) commitLazy(this, col, at);
  return true;
}

function retract1(this: Parts, col: Float64Array, at: number, src: Float64Array, from: number): boolean {
  const a = this.k0.retract!(col, at, src, from);
  if (a !== a) return false;
  col[at] = a;
  if (lazyPending) commitLazy(this, col, at);
  return true;
}

function retract2(this: Parts, col: Float64Array, at: number, src: Float64Array, from: number): boolean {
  const a = this.k0.retract!(col, at, src, from);
  if (a !== a) return false;
  const b = this.k1!.retract!(col, at + 1, src, from + 1);
  if (b !== b) return false;
  col[at] = a;
  col[at + 1] = b;
  if (lazyPending) commitLazy(this, col, at);
  return true;
}

/** merge or retract of more than two eager slots: one slot kernel method per slot, through `op`. */
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
    const x = ks[i]![op]!(col, at + i, src, from + i);
    if (x !== x) return false;
    xs[i] = x;
  }
  col.set(xs.subarray(0, n), at);
  if (lazyPending) commitLazy(p, col, at);
  return true;
}

function mergeN(this: Parts, col: Float64Array, at: number, src: Float64Array, from: number): boolean {
  return slotwiseN(this, "merge", col, at, src, from);
}

function retractN(this: Parts, col: Float64Array, at: number, src: Float64Array, from: number): boolean {
  return slotwiseN(this, "retract", col, at, src, from);
}

const FIRST = [first1, first2, first3, first4, first5, first6, first7, first8];
const ADD = [add1, add2, add3, add4, add5, add6, add7, add8];
const RESULT_OBJECT = [resultObject1, resultObject2, resultObject3, resultObject4];
const MERGE = [merge1, merge2];
const RETRACT = [retract1, retract2];

/** Parts of an object of combiners with a column kernel at most: slots are many more than parts. */
const MAX_PARTS = 16;

/**
 * The column kernel over part kernels `ps`: every part's eager slots, in part order, then every part's
 * lazy slots. Its result is the single part's own when `names` is null, else an object copied from
 * `template` with the parts under `names`. One object literal for every arity, so that every column
 * kernel has one hidden class.
 */
function kernelOf(
  ps: readonly PartKernel[],
  names: readonly string[] | null,
  template: Record<string, unknown> | null,
): Kernel {
  const n = ps.length;
  const ew = ps.reduce((sum, p) => sum + p.eager, 0);
  const qs: number[] = [], es: number[] = [];
  const ks: SlotKernel[] = [], ls: SlotKernel[] = [];
  let q = 0, e = ew;
  for (const p of ps) {
    qs.push(q);
    es.push(e);
    const slots = p.slots(e - q);
    ks.push(...slots.slice(0, p.eager));
    ls.push(...slots.slice(p.eager));
    q += p.eager;
    e += p.lazy;
  }
  const width = e;
  const all = [...ks, ...ls];
  const merges = all.every((k) => k.merge !== undefined);
  const retracts = all.every((k) => k.retract !== undefined);
  const kernel: Kernel = {
    width,
    legacyWidth: ps.every((p) => p.eager === 1 && p.kind !== "mean") ? n : -1,
    ks,
    k0: ks[0]!,
    k1: ks[1] ?? null,
    k2: ks[2] ?? null,
    k3: ks[3] ?? null,
    k4: ks[4] ?? null,
    k5: ks[5] ?? null,
    k6: ks[6] ?? null,
    k7: ks[7] ?? null,
    ls,
    lazyAt: ew,
    init: Float64Array.from(all, (k) => k.initial),
    ps,
    p0: ps[0]!,
    p1: ps[1] ?? null,
    p2: ps[2] ?? null,
    p3: ps[3] ?? null,
    qs,
    q0: qs[0]!,
    q1: qs[1] ?? 0,
    q2: qs[2] ?? 0,
    q3: qs[3] ?? 0,
    es,
    e0: es[0]!,
    e1: es[1] ?? 0,
    e2: es[2] ?? 0,
    e3: es[3] ?? 0,
    names: names ?? [],
    template,
    xs: new Float64Array(width),
    first: ew <= FIRST.length ? FIRST[ew - 1]! : firstN,
    add: ew <= ADD.length ? ADD[ew - 1]! : addN,
    toAcc: names === null ? toAcc1 : toAccN,
    fromAcc: names === null ? fromAcc1 : fromAccN,
    result: names === null ? result1 : n <= 4 ? RESULT_OBJECT[n - 1]! : resultObjectN,
    merge: !merges ? undefined : ew <= MERGE.length ? MERGE[ew - 1]! : mergeN,
    retract: !retracts ? undefined : ew <= RETRACT.length ? RETRACT[ew - 1]! : retractN,
  };
  return kernel;
}

/**
 * The column kernel of an object of combiners (composeCombiners: the accumulator is an array with one
 * entry per part, the result an object copied from `template`), when every part has a part kernel:
 * up to MAX_PARTS parts, each slot's `next` with its own call site up to four slots, which V8 can inline.
 */
export function composedColumns(
  names: readonly string[],
  parts: readonly object[],
  template: Record<string, unknown>,
): ColumnKernel | null {
  const ps = parts.map(partKernelOf);
  if (ps.some((k) => k === null) || ps.length > MAX_PARTS) return null;
  return kernelOf(ps as PartKernel[], names, template);
}

/**
 * A kernel of `kernel`'s shape (the same parts, names and template) whose selectors are weir's own
 * identity function (`itself`): it holds nothing of the job that made `kernel`, and keeps the hidden classes of
 * its kernel and part-kernel literals alive after that job (operators/shapes.ts).
 */
export function blankColumnKernel(kernel: ColumnKernel): ColumnKernel {
  const k = kernel as Kernel;
  return kernelOf(k.ps.map(blankPart), k.template === null ? null : k.names, k.template);
}

function blankPart(k: PartKernel): PartKernel {
  switch (k.kind) {
    case "count":
      return k; // (COUNT_KERNEL: a constant of this module)
    case "sum":
      return sumKernel(itself);
    case "mean":
      return meanKernel(itself);
    default:
      return extremumKernel(k.kind, itself);
  }
}

/** (operators/shapes.ts blankFunction, which this folder cannot import: operators import aggregate) */
function itself(element: unknown): unknown {
  return element;
}

// ---- count()

/** A count's slot (count(), and mean()'s count). */
interface Counting extends SlotKernel {
  readonly initial: number;
}

function countNext(col: Float64Array, at: number): number {
  return col[at]! + 1;
}

function countMerge(col: Float64Array, at: number, src: Float64Array, from: number): number {
  return col[at]! + src[from]!;
}

function countRetract(col: Float64Array, at: number, src: Float64Array, from: number): number {
  return col[at]! - src[from]!;
}

const COUNT_SLOT: Counting = { initial: 0, next: countNext, merge: countMerge, retract: countRetract };

function countSlots(): SlotKernel[] {
  return [COUNT_SLOT];
}

function countToAcc(col: Float64Array, p: number): unknown {
  return col[p];
}

function isCount(acc: unknown): acc is number {
  return typeof acc === "number" && Number.isSafeInteger(acc) && acc >= 0;
}

function countFromAcc(col: Float64Array, p: number, _e: number, acc: unknown): boolean {
  if (!isCount(acc)) return false;
  col[p] = acc + 0;
  return true;
}

/** count(): the count itself. */
export const COUNT_KERNEL: PartKernel = {
  kind: "count",
  eager: 1,
  lazy: 0,
  slots: countSlots,
  toAcc: countToAcc,
  fromAcc: countFromAcc,
  result: countToAcc,
};

// ---- sum(): an exact pair of doubles

/**
 * The pair arithmetic's numbers: [0] and [1] the high and low halves of pairPlus's result, [2] the
 * value sumNext hands pairStep. Through memory, not as arguments, results or a module variable: V8
 * gives a double a heap number of its own each time it is passed to or returned from a call it does
 * not inline, or stored in a `let` of a module (an allocation per element of fractions: a third of a
 * five-part aggregate's time went to the garbage collector).
 */
const PAIR = new Float64Array(3);

/**
 * The sum of the pair (hi, lo) and `x` as a pair again, exactly, into PAIR[0] (high) and PAIR[1]
 * (low); false when no pair of doubles holds it (or it is not finite). The pair is kept normalized
 * (hi is the sum rounded to nearest, lo what rounding left), so `hi` is always the correctly rounded
 * total, which is what the exact partials of the combiner's own accumulator give.
 */
function pairPlus(hi: number, lo: number, x: number): boolean {
  // s + e = hi + x
  const s = hi + x;
  let bb = s - hi;
  const e = (hi - (s - bb)) + (x - bb);
  // t + f = e + lo
  const t = e + lo;
  bb = t - e;
  const f = (e - (t - bb)) + (lo - bb);
  // u + g = s + t; the total is u + g + f
  const u = s + t;
  bb = u - s;
  const g = (s - (u - bb)) + (t - bb);
  // h + k = g + f: a pair holds the total only if k is 0
  const h = g + f;
  bb = h - g;
  const k = (g - (h - bb)) + (f - bb);
  if (k !== 0) return false;
  const r = u + h;
  if (r - r !== 0) return false; // (±Infinity or NaN: the combiner keeps those)
  bb = r - u;
  PAIR[0] = r;
  PAIR[1] = (u - (r - bb)) + (h - bb);
  return true;
}

/**
 * A sum's eager slot: the pair's high half. Its low half is `off` slots after it (a lazy slot), and
 * takes the `low` this slot computed with it, which it sets on every step; it is stored only when it
 * may have changed (lazyPending: the integer path leaves it 0).
 */
interface Summing extends SlotKernel {
  readonly select: (element: unknown) => unknown;
  readonly off: number;
  low: number;
}

/** (a module constant: a shorter call than `Number.isSafeInteger`) */
const isSafe = Number.isSafeInteger as (x: unknown) => x is number;

function sumNext(this: Summing, col: Float64Array, at: number, v: unknown): number {
  const value = this.select(v);
  const hi = col[at]!;
  // safe integers (the low half 0), as the combiner's own accumulator keeps them: a plain total
  // (`value` tested first: `+` of a BigInt or a symbol throws, and the combiner has the error to give)
  if (isSafe(value) && col[at + this.off] === 0 && isSafe(hi)) {
    const total = hi + value;
    if (isSafe(total)) {
      this.low = 0;
      return total;
    }
  }
  if (typeof value === "number") {
    PAIR[2] = value;
    if (pairStep(this, col, at)) return PAIR[0]!;
  }
  return NaN;
}

/**
 * sumNext past safe integers: the pair at `at` plus PAIR[2], into PAIR[0] and `s.low`. A function of
 * its own: the engines' loops inline sumNext, and V8 inlines up to a budget of bytecode per loop
 * (measured: a sessions loop of `{ count, sum }` no longer inlined the kernel and ran a fifth slower);
 * this part, never run on integers, would spend it for nothing.
 */
function pairStep(s: Summing, col: Float64Array, at: number): boolean {
  if (!pairPlus(col[at]!, col[at + s.off]!, PAIR[2]!)) return false;
  s.low = PAIR[1]!;
  lazyPending = true;
  return true;
}

/**
 * The pair at `at` in `col` plus the pair at `from` in `src` (low halves `s.off` after), or minus it
 * when `sign` is -1: the new high half, the low half in `s.low`; NaN when no pair holds it.
 */
function pairsPlus(s: Summing, col: Float64Array, at: number, src: Float64Array, from: number, sign: number): number {
  const off = s.off;
  const hi = col[at]!, bhi = src[from]!;
  // safe integers (both low halves 0): a plain total, as the combiner's own accumulator keeps it
  if (col[at + off] === 0 && src[from + off] === 0 && isSafe(hi) && isSafe(bhi)) {
    const total = hi + sign * bhi;
    if (isSafe(total)) {
      s.low = 0;
      return total;
    }
  }
  if (!pairsStep(col, at, src, from, off, sign)) return NaN;
  s.low = PAIR[1]!;
  lazyPending = true;
  return PAIR[0]!;
}

/** pairsPlus past safe integers, into PAIR[0] and PAIR[1] (see pairStep). */
function pairsStep(col: Float64Array, at: number, src: Float64Array, from: number, off: number, sign: number): boolean {
  return pairPlus(col[at]!, col[at + off]!, sign * src[from]!) && pairPlus(PAIR[0]!, PAIR[1]!, sign * src[from + off]!);
}

function sumMerge(this: Summing, col: Float64Array, at: number, src: Float64Array, from: number): number {
  return pairsPlus(this, col, at, src, from, 1);
}

function sumRetract(this: Summing, col: Float64Array, at: number, src: Float64Array, from: number): number {
  return pairsPlus(this, col, at, src, from, -1);
}

/** A sum's low half: what its high half computed with it. */
interface Low extends SlotKernel {
  readonly high: Summing;
}

function takeLow(this: Low): number {
  return this.high.low;
}

/** The exact partials (SumAccumulator) of the pair at `p` and `e`. */
function partialsOf(col: Float64Array, p: number, e: number): SumAccumulator {
  const hi = col[p]!, lo = col[e]!;
  return { partials: lo !== 0 ? [lo, hi] : hi !== 0 ? [hi] : [], nonFinite: null };
}

/**
 * Writes the pair standing for exact partials `acc` (finite ones, whose exact total a pair of doubles
 * holds: the combiner may keep more partials than that needs), or returns false.
 */
function pairFromPartials(col: Float64Array, p: number, e: number, acc: unknown): boolean {
  if (typeof acc !== "object" || acc === null) return false;
  const { partials, nonFinite } = acc as Partial<SumAccumulator>;
  if (nonFinite !== null || !Array.isArray(partials)) return false;
  // from the largest partial down (they are in increasing magnitude and do not overlap)
  let hi = 0, lo = 0;
  for (let i = partials.length - 1; i >= 0; i--) {
    const x = partials[i];
    if (typeof x !== "number" || !pairPlus(hi, lo, x)) return false;
    hi = PAIR[0]!;
    lo = PAIR[1]!;
  }
  col[p] = hi;
  col[e] = lo;
  return true;
}

interface SumPart extends PartKernel {
  readonly select: (element: unknown) => unknown;
}

/** A sum's pair of slots, its low half `off` slots after its high half. */
function pairSlots(select: (element: unknown) => unknown, off: number): [Summing, Low] {
  const high: Summing = {
    initial: 0,
    select,
    off,
    low: 0,
    next: sumNext,
    merge: sumMerge,
    retract: sumRetract,
  };
  const low: Low = { initial: 0, high, next: takeLow, merge: takeLow, retract: takeLow };
  return [high, low];
}

function sumSlots(this: SumPart, off: number): SlotKernel[] {
  return pairSlots(this.select, off);
}

function sumToAcc(col: Float64Array, p: number, e: number): unknown {
  const hi = col[p]!;
  // (a plain number while the total is a safe integer, as the combiner keeps it; -0 as 0)
  return col[e] === 0 && Number.isSafeInteger(hi) ? hi + 0 : partialsOf(col, p, e);
}

function sumFromAcc(col: Float64Array, p: number, e: number, acc: unknown): boolean {
  if (typeof acc === "number") {
    if (acc - acc !== 0) return false;
    col[p] = acc + 0;
    col[e] = 0;
    return true;
  }
  return pairFromPartials(col, p, e, acc);
}

/** (-0 as 0: sum()'s own result) */
function sumResult(col: Float64Array, p: number): number {
  return col[p]! + 0;
}

/**
 * sum(): the exact total as a pair of doubles (the total rounded to nearest and what rounding left),
 * while two doubles hold it: always for safe integers (the low half stays 0), and for the fractions of
 * everyday data (prices, measurements) until their exact total spans more than 106 bits. A total that
 * needs more, or an infinity or NaN, goes to the combiner's exact partials.
 */
export function sumKernel(select: (element: unknown) => unknown): PartKernel {
  const kernel: SumPart = {
    kind: "sum",
    select,
    eager: 1,
    lazy: 1,
    slots: sumSlots,
    toAcc: sumToAcc,
    fromAcc: sumFromAcc,
    result: sumResult,
  };
  return kernel;
}

// ---- mean(): a sum's pair and a count

// (its slots: the sum's high half at p, the count at p + 1, the low half at e)
function meanToAcc(col: Float64Array, p: number, e: number): MeanAccumulator {
  return { sum: partialsOf(col, p, e), count: col[p + 1]! };
}

function meanFromAcc(col: Float64Array, p: number, e: number, acc: unknown): boolean {
  if (typeof acc !== "object" || acc === null) return false;
  const { sum, count } = acc as Partial<MeanAccumulator>;
  if (!isCount(count) || !pairFromPartials(col, p, e, sum)) return false;
  col[p + 1] = count + 0;
  return true;
}

function meanResult(col: Float64Array, p: number): number | undefined {
  const n = col[p + 1]!;
  return n === 0 ? undefined : col[p]! / n;
}

function meanSlots(this: SumPart, off: number): SlotKernel[] {
  const [high, low] = pairSlots(this.select, off);
  return [high, COUNT_SLOT, low];
}

/** mean(): its exact sum as sum()'s pair and its count, both eager, and the pair's low half, lazy. */
export function meanKernel(select: (element: unknown) => unknown): PartKernel {
  const kernel: SumPart = {
    kind: "mean",
    select,
    eager: 2,
    lazy: 1,
    slots: meanSlots,
    toAcc: meanToAcc,
    fromAcc: meanFromAcc,
    result: meanResult,
  };
  return kernel;
}

// ---- min() and max()

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

/** A min or max slot: NaN stands for the empty accumulator (null). */
interface Extreme extends SlotKernel {
  readonly select: (element: unknown) => unknown;
  readonly min: boolean;
}

function extremumNext(this: Extreme, col: Float64Array, at: number, v: unknown): number {
  const value = this.select(v);
  if (typeof value !== "number" || value !== value) return NaN;
  return pick(this.min, col[at]!, value);
}

// (two empty accumulators merge to NaN, which says "cannot": the engine then uses the combiner)
function extremumMerge(this: Extreme, col: Float64Array, at: number, src: Float64Array, from: number): number {
  const a = col[at]!, b = src[from]!;
  return b !== b ? a : pick(this.min, a, b);
}

interface ExtremumPart extends PartKernel {
  readonly slot: Extreme;
}

function extremumSlots(this: ExtremumPart): SlotKernel[] {
  return [this.slot];
}

function extremumToAcc(col: Float64Array, p: number): ExtremumAccumulator {
  const x = col[p]!;
  return x !== x ? null : { type: "number", value: encodeNumber(x) };
}

function extremumFromAcc(col: Float64Array, p: number, _e: number, acc: unknown): boolean {
  if (acc === null) {
    col[p] = NaN;
    return true;
  }
  const a = acc as ExtremumAccumulator;
  if (typeof a !== "object" || a === null || a.type !== "number") return false;
  const x = decodeNumber(a.value as never);
  if (x !== x) return false;
  col[p] = x;
  return true;
}

function extremumResult(col: Float64Array, p: number): number | undefined {
  const x = col[p]!;
  return x !== x ? undefined : x;
}

/**
 * min() and max() of numbers other than NaN (NaN in a slot stands for the empty accumulator, null):
 * the extreme value, with -0 below 0 as the combiner has it. A string or a NaN goes to the combiner.
 */
export function extremumKernel(which: "min" | "max", select: (element: unknown) => unknown): PartKernel {
  const slot: Extreme = { initial: NaN, select, min: which === "min", next: extremumNext, merge: extremumMerge };
  const kernel: ExtremumPart = {
    kind: which,
    slot,
    eager: 1,
    lazy: 0,
    slots: extremumSlots,
    toAcc: extremumToAcc,
    fromAcc: extremumFromAcc,
    result: extremumResult,
  };
  return kernel;
}
