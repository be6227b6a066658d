/**
 * The root of weir's domain errors. Bad arguments raise built-in `TypeError`/`RangeError`;
 * failures of weir's own machinery (state stores, checkpoints, input decoding) raise a
 * subclass of `WeirError`, with the underlying failure as `cause`.
 *
 * @example Catching every weir error
 * ```ts
 * import { assert } from "@std/assert";
 * import { StateStoreError, WeirError } from "weirjs";
 *
 * const error = new StateStoreError("Cannot put the value as the store is closed");
 * assert(error instanceof WeirError);
 * ```
 */
export class WeirError extends Error {
  /** Creates the error; `cause` is the underlying error, when there is one. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * An element could not be processed: a missing or non-finite event time, a key function that threw, ...
 *
 * @example An event time that is not a number
 * ```ts
 * import { assert } from "@std/assert";
 * import { InvalidElementError, stream } from "weirjs";
 *
 * const events: { ts: number }[] = JSON.parse('[{ "ts": "soon" }]'); // input from outside
 * const error = await stream(events)
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *   .toArray()
 *   .catch((e) => e);
 * assert(error instanceof InvalidElementError); // pass onInvalid to withEventTime to skip such elements
 * ```
 */
export class InvalidElementError extends WeirError {}

/**
 * Input text could not be decoded (for example malformed NDJSON); the message names the line.
 *
 * @example A malformed NDJSON line
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { DecodeError, NdjsonDecoderStream, stream } from "weirjs";
 *
 * const body = new ReadableStream<string>({
 *   start(c) {
 *     c.enqueue('{"a":1}\n{oops\n');
 *     c.close();
 *   },
 * });
 * const error = await stream(body.pipeThrough(new NdjsonDecoderStream())).toArray().catch((e) => e);
 * assert(error instanceof DecodeError);
 * assertEquals(error.line, 2);
 * ```
 */
export class DecodeError extends WeirError {
  /** 1-based line number of the offending input line, when known. */
  readonly line?: number;
  /** Creates the error; `line` is the 1-based input line, when known. */
  constructor(message: string, options?: { cause?: unknown; line?: number }) {
    super(message, options);
    if (options?.line !== undefined) this.line = options.line;
  }
}

/**
 * A `StateStore` operation failed.
 *
 * @example Writing to a closed store
 * ```ts
 * import { assert } from "@std/assert";
 * import { MemoryStateStore, StateStoreError } from "weirjs";
 *
 * const store = new MemoryStateStore();
 * await store.close();
 * const error = await store.put("k", new Uint8Array(1)).catch((e) => e);
 * assert(error instanceof StateStoreError);
 * ```
 */
export class StateStoreError extends WeirError {}

/**
 * A function given to a step (map, filter, flatMap, the event-time getter, keyBy, a combiner, onLate)
 * threw: the message names the step and shows the element, and `cause` is the original error.
 *
 * @example A failing map
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { stream, StepError } from "weirjs";
 * const error = await stream([1, 2]).map((n) => {
 *   if (n === 2) throw new Error("no twos");
 *   return n;
 * }).toArray().catch((e) => e);
 * assert(error instanceof StepError);
 * assertEquals(error.step, "map #1");
 * assertEquals((error.cause as Error).message, "no twos");
 * ```
 */
export class StepError extends WeirError {
  /** The step whose function threw, e.g. `"keyBy #1"` or `"aggregate #2"`. */
  readonly step: string;
  /** `element` is the element being processed, or FIRING when the step's function ran to fire a window. */
  constructor(step: string, element: unknown, cause: unknown) {
    super(
      `${step} threw ${element === FIRING ? "while firing a window" : `on element ${preview(element)}`}: ${
        describeCause(cause)
      }`,
      { cause },
    );
    this.step = step;
  }
}

/** Marks a StepError raised while a window fired (a combiner's result or merge), not on an element. */
export const FIRING: unique symbol = Symbol("firing");

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return preview(cause);
}

/**
 * What a step rethrows when a user function threw on `element`: a StepError naming the step, unless the
 * error is already a WeirError (weir's own, which names what was wrong).
 */
export function stepFailure(step: string, element: unknown, error: unknown): unknown {
  return error instanceof WeirError ? error : new StepError(step, element, error);
}

/**
 * A checkpoint could not be written, or could not be restored.
 *
 * @example Restoring into a pipeline that changed
 * ```ts
 * import { assert, assertMatch } from "@std/assert";
 * import { CheckpointError, count, MemoryStateStore, stream, tumbling } from "weirjs";
 *
 * const store = new MemoryStateStore();
 * const run = (size: number) =>
 *   stream([{ ts: 1 }, { ts: 2 }])
 *     .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *     .window(tumbling(size))
 *     .aggregate(count())
 *     .checkpoint({ store, id: "job", every: { events: 1 } })
 *     .toArray();
 * await run(10);
 * const error = await run(20).catch((e) => e); // same job id, other windows
 * assert(error instanceof CheckpointError);
 * assertMatch(error.message, /assigner.size is 10 in the checkpoint and 20 in this pipeline/);
 * ```
 */
export class CheckpointError extends WeirError {}

/** How error messages show the element they are about: its JSON (or String), cut to 200 characters. */
export function preview(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 200 ? s.slice(0, 200) + "…" : s;
}
