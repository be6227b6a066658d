import type { AnyCombiner, Combiner, CombinerResult } from "./combiner.ts";
import { describe } from "./_util.ts";
import { composedRetract, withRetract } from "./retraction.ts";
import { composedColumns, withColumnKernel } from "./column_kernel.ts";

/** The input type of a combiner (what its `add` takes). */
export type InputOf<C> = C extends Combiner<infer I, infer _A, infer _O> ? I : never;

/**
 * The input of a composed combiner: what every part accepts (the intersection of their inputs;
 * parts that accept `unknown`, like `count()`, do not narrow it).
 */
export type ComposedInput<M> = { [K in keyof M]: (input: InputOf<M[K]>) => void }[keyof M] extends
  (input: infer X) => void ? X : never;

/** The accumulator of a composed combiner: each part's accumulator under its name. */
export type ComposedAccumulator<_M> = unknown[];

/** The result of a composed combiner: each part's result under its name. */
export type ComposedResult<M> = { [K in keyof M]: CombinerResult<M[K]> };

/**
 * Whether `value` is a combiner (an object with `create`, `add`, `merge` and `result` functions),
 * as opposed to an object of named combiners.
 *
 * @example Accepting one combiner or several
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { composeCombiners, count, isCombiner, sum } from "weirjs";
 *
 * const spec = { n: count(), total: sum() };
 * const combiner = isCombiner(spec) ? spec : composeCombiners(spec);
 * assertEquals([isCombiner(count()), isCombiner(spec), isCombiner(combiner)], [true, false, true]);
 * ```
 */
export function isCombiner(value: unknown): value is AnyCombiner<unknown> {
  if (typeof value !== "object" || value === null) return false;
  const c = value as Record<string, unknown>;
  return typeof c.create === "function" && typeof c.add === "function" && typeof c.merge === "function" &&
    typeof c.result === "function";
}

/**
 * Runs several combiners over the same elements as one: `{ name: combiner, ... }` becomes a
 * combiner whose accumulator is `{ name: accumulator, ... }` (plain data when each part's is) and
 * whose result is `{ name: result, ... }`. This is what `.aggregate({ ... })` uses. Parts run in
 * the object's key order; when one throws (an element it cannot take), the parts before it have
 * already counted the element, so the error is fatal for that accumulator, as it is for the stream.
 *
 * @example Count, total and mean in one pass
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { composeCombiners, count, mean, sum } from "weirjs";
 *
 * const stats = composeCombiners({
 *   n: count(),
 *   total: sum((e: { value: number }) => e.value),
 *   avg: mean((e: { value: number }) => e.value),
 * });
 * let acc = stats.create();
 * for (const value of [1, 2, 6]) acc = stats.add(acc, { value }, 0);
 * assertEquals(stats.result(acc), { n: 3, total: 9, avg: 3 });
 * ```
 */
export function composeCombiners<M extends Record<string, AnyCombiner<unknown>>>(
  combiners: M,
): Combiner<ComposedInput<M>, ComposedAccumulator<M>, ComposedResult<M>> {
  if (typeof combiners !== "object" || combiners === null || Array.isArray(combiners) || isCombiner(combiners)) {
    throw new TypeError(
      `Cannot compose combiners as the argument must be an object of named combiners: current value is ${
        describe(combiners)
      }`,
    );
  }
  // Copied once, so a later change to the caller's object cannot change a running aggregation.
  const parts = Object.entries(combiners);
  if (parts.length === 0) {
    throw new RangeError("Cannot compose combiners as the object has no entries: name at least one combiner");
  }
  for (const [name, part] of parts) {
    if (name === "__proto__") {
      throw new RangeError('Cannot compose combiners as "__proto__" cannot name a result: choose another name');
    }
    if (!isCombiner(part)) {
      throw new TypeError(
        `Cannot compose combiners as ${
          JSON.stringify(name)
        } is not a combiner (create, add, merge and result functions): current value is ${describe(part)}`,
      );
    }
  }
  type Accumulators = unknown[];
  // The accumulator is an array with one entry per part (in the order of the object's keys): indexed
  // access keeps the per-element path cheap, and it is plain JSON like every accumulator.
  const names = parts.map(([name]) => name);
  const cs = parts.map(([, part]) => part as AnyCombiner<unknown>);
  const n = names.length;
  // Every result object is a copy of this template (see composedResult).
  const template = templateFor(names);
  const combiner: Combiner<unknown, Accumulators, Record<string, unknown>> = {
    create: composedCreate(cs),
    add: composedAdd(cs),
    merge(a, b) {
      for (let i = 0; i < n; i++) a[i] = cs[i]!.merge(a[i], b[i]);
      return a;
    },
    result: composedResult(names, cs, template),
  };
  const retract = composedRetract(cs);
  if (retract !== null) withRetract(combiner, retract);
  const columns = composedColumns(names, cs, template);
  if (columns !== null) withColumnKernel(combiner, columns);
  return combiner as unknown as Combiner<ComposedInput<M>, ComposedAccumulator<M>, ComposedResult<M>>;
}

/** Templates of result objects by their names (as JSON), see templateFor. */
const templates = new Map<string, Record<string, unknown>>();
const MAX_TEMPLATES = 256;

/**
 * The template of the result objects named `names`: one object per list of names (up to
 * MAX_TEMPLATES lists, then a new one each time), kept for good. Every result object of the names
 * then has the template's hidden class in every job, and V8's code that reads or builds them is not
 * thrown away when a job's objects are all collected (see operators/shapes.ts). Never written.
 */
function templateFor(names: readonly string[]): Record<string, unknown> {
  const id = JSON.stringify(names);
  let template = templates.get(id);
  if (template === undefined) {
    template = {};
    for (const name of names) template[name] = undefined;
    if (templates.size < MAX_TEMPLATES) templates.set(id, template);
  }
  return template;
}

/**
 * The composite `result`: each value object is a copy of a template with the names in order, so every
 * result has one hidden class from the start (adding the names one by one to `{}` would walk the
 * transitions and grow the object for each result), and, for up to four parts, each part's `result`
 * has its own call site.
 */
function composedResult(
  names: string[],
  cs: AnyCombiner<unknown>[],
  template: Record<string, unknown>,
): (acc: unknown[]) => Record<string, unknown> {
  const [n0, n1, n2, n3] = names;
  const [c0, c1, c2, c3] = cs;
  switch (cs.length) {
    case 1:
      return (acc) => {
        const out = { ...template };
        out[n0!] = c0!.result(acc[0]);
        return out;
      };
    case 2:
      return (acc) => {
        const out = { ...template };
        out[n0!] = c0!.result(acc[0]);
        out[n1!] = c1!.result(acc[1]);
        return out;
      };
    case 3:
      return (acc) => {
        const out = { ...template };
        out[n0!] = c0!.result(acc[0]);
        out[n1!] = c1!.result(acc[1]);
        out[n2!] = c2!.result(acc[2]);
        return out;
      };
    case 4:
      return (acc) => {
        const out = { ...template };
        out[n0!] = c0!.result(acc[0]);
        out[n1!] = c1!.result(acc[1]);
        out[n2!] = c2!.result(acc[2]);
        out[n3!] = c3!.result(acc[3]);
        return out;
      };
    default: {
      const n = cs.length;
      return (acc) => {
        const out = { ...template };
        for (let i = 0; i < n; i++) out[names[i]!] = cs[i]!.result(acc[i]);
        return out;
      };
    }
  }
}

/**
 * The composite `add`, written out for up to four parts: each part gets its own call site, which stays
 * monomorphic, so V8 can inline the part's `add` (a loop would make one polymorphic call site).
 */
/**
 * create() of the composite: an array literal per arity (a packed array of exactly n entries, about
 * twice as fast to allocate as `new Array(n)` filled in a loop, and windows at many keys create one
 * per (key, window)).
 */
function composedCreate(cs: AnyCombiner<unknown>[]): () => unknown[] {
  const [c0, c1, c2, c3] = cs;
  switch (cs.length) {
    case 1:
      return () => [c0!.create()];
    case 2:
      return () => [c0!.create(), c1!.create()];
    case 3:
      return () => [c0!.create(), c1!.create(), c2!.create()];
    case 4:
      return () => [c0!.create(), c1!.create(), c2!.create(), c3!.create()];
    default:
      return () => cs.map((c) => c.create());
  }
}

function composedAdd(cs: AnyCombiner<unknown>[]): (acc: unknown[], input: unknown, timestamp: number) => unknown[] {
  const [c0, c1, c2, c3] = cs;
  switch (cs.length) {
    case 1:
      return (acc, input, timestamp) => {
        acc[0] = c0!.add(acc[0], input, timestamp);
        return acc;
      };
    case 2:
      return (acc, input, timestamp) => {
        acc[0] = c0!.add(acc[0], input, timestamp);
        acc[1] = c1!.add(acc[1], input, timestamp);
        return acc;
      };
    case 3:
      return (acc, input, timestamp) => {
        acc[0] = c0!.add(acc[0], input, timestamp);
        acc[1] = c1!.add(acc[1], input, timestamp);
        acc[2] = c2!.add(acc[2], input, timestamp);
        return acc;
      };
    case 4:
      return (acc, input, timestamp) => {
        acc[0] = c0!.add(acc[0], input, timestamp);
        acc[1] = c1!.add(acc[1], input, timestamp);
        acc[2] = c2!.add(acc[2], input, timestamp);
        acc[3] = c3!.add(acc[3], input, timestamp);
        return acc;
      };
    default: {
      const n = cs.length;
      return (acc, input, timestamp) => {
        for (let i = 0; i < n; i++) acc[i] = cs[i]!.add(acc[i], input, timestamp);
        return acc;
      };
    }
  }
}
