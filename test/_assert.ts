// Runtime-neutral assertions for the shared scenario suites (no node:assert in browsers).

function show(v: unknown): string {
  try {
    return JSON.stringify(
      v,
      (_k, x) =>
        typeof x === "number" && !Number.isFinite(x)
          ? String(x)
          : x instanceof Map
          ? [...x]
          : x instanceof Set
          ? [...x]
          : x,
    );
  } catch {
    return String(v);
  }
}

function equal(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (a instanceof Map && b instanceof Map) return equal([...a], [...b]);
  if (a instanceof Set && b instanceof Set) return equal([...a], [...b]);
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

export class AssertionError extends Error {
  override name = "AssertionError";
}

/** Deep equality (plain objects, arrays, Map, Set; `undefined` properties ignored). */
export function assertEquals(actual: unknown, expected: unknown, message?: string): void {
  if (!equal(actual, expected)) {
    throw new AssertionError(
      `${message ? message + ": " : ""}values differ\n  actual:   ${show(actual)}\n  expected: ${show(expected)}`,
    );
  }
}

export function assert(cond: unknown, message = "assertion failed"): asserts cond {
  if (!cond) throw new AssertionError(message);
}

/** Asserts `fn` throws an error of class `type` whose message includes `includes`. */
export function assertThrows(fn: () => unknown, type?: new (...a: never[]) => Error, includes?: string): Error {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  return check(err, type, includes);
}

export async function assertRejects(
  fn: () => Promise<unknown>,
  type?: new (...a: never[]) => Error,
  includes?: string,
): Promise<Error> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  return check(err, type, includes);
}

function check(err: unknown, type?: new (...a: never[]) => Error, includes?: string): Error {
  if (err === undefined) throw new AssertionError("expected an error, none was thrown");
  if (type && !(err instanceof type)) throw new AssertionError(`expected ${type.name}, got ${show(String(err))}`);
  const e = err as Error;
  if (includes !== undefined && !String(e.message).includes(includes)) {
    throw new AssertionError(`expected message to include ${show(includes)}, got ${show(e.message)}`);
  }
  return e;
}
