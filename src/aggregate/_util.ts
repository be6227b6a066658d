// Small helpers shared by the built-in combiners: argument checks with messages that say what
// and why, and detaching results from accumulators.

/** Short text for a value in an error message. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (typeof value === "object" && value !== null) return Array.isArray(value) ? "an array" : "an object";
  return String(value);
}

/** The identity, used when a combiner is created without a selector. */
export function identity<T>(value: T): T {
  return value;
}

/** `selector`, or the identity when it is omitted; throws when it is not a function. */
export function selectorOrIdentity<I, T>(what: string, selector: ((element: I) => T) | undefined): (element: I) => T {
  if (selector === undefined) return identity as (element: I) => T;
  if (typeof selector !== "function") {
    throw new TypeError(
      `Cannot create ${what} as the selector must be a function: current value is ${describe(selector)}`,
    );
  }
  return selector;
}

/** Throws unless `value` is a number (any number: NaN and ±Infinity follow JavaScript arithmetic). */
export function checkNumber(what: string, value: unknown): asserts value is number {
  if (typeof value !== "number") {
    throw new TypeError(`Cannot add to ${what} as the value must be a number: current value is ${describe(value)}`);
  }
}

/** Throws unless `timestamp` is a finite number (the engine guarantees it; direct callers may forget it). */
export function checkTimestamp(what: string, timestamp: unknown): asserts timestamp is number {
  if (typeof timestamp !== "number" || !Number.isFinite(timestamp)) {
    throw new TypeError(
      `Cannot add to ${what} as the timestamp (the element's event time) must be a finite number: current value is ${
        describe(timestamp)
      }`,
    );
  }
}

/**
 * A copy of `value` that shares no mutable structure with it, so that a result never aliases its
 * accumulator (the engine keeps accumulating after emitting a pane). Primitives are returned as is.
 */
export function detach<T>(value: T): T {
  return typeof value === "object" && value !== null ? structuredClone(value) : value;
}
