// The part of Deno std's `@std/assert` that weir's doc examples use, for `npm run test:doc`:
// JSR is out of reach here, so test/doc/deno.json maps "@std/assert" to this file. Same names,
// signatures and meaning as std (deep equality in std's sense, a line diff in the message), so
// an example reads exactly as it would with the real package.

/** Thrown when an assertion fails (std's `AssertionError`). */
export class AssertionError extends Error {
  /** Creates an assertion error with the given message. */
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

// SameValueZero for primitives; structural for arrays, plain objects, class instances of one
// prototype, Map, Set, Date, RegExp, URL and typed arrays (as std's `equal`).
function equal(a: unknown, b: unknown, seen = new Map<object, object>()): boolean {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (seen.get(a) === b) return true;
  seen.set(a, b);
  if (a instanceof Date) return Object.is(a.getTime(), (b as Date).getTime());
  if (a instanceof RegExp) return String(a) === String(b);
  if (a instanceof URL) return a.href === (b as URL).href;
  if (ArrayBuffer.isView(a)) {
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(
      (b as ArrayBufferView).buffer,
      (b as ArrayBufferView).byteOffset,
      (b as ArrayBufferView).byteLength,
    );
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }
  if (a instanceof Set) {
    const rest = [...(b as Set<unknown>)];
    if (rest.length !== a.size) return false;
    return [...a].every((v) => {
      const i = rest.findIndex((w) => equal(v, w, seen));
      return i >= 0 && rest.splice(i, 1).length === 1;
    });
  }
  if (a instanceof Map) {
    const other = b as Map<unknown, unknown>;
    if (a.size !== other.size) return false;
    return [...a].every(([k, v]) => {
      if (other.has(k)) return equal(v, other.get(k), seen);
      return [...other].some(([l, w]) => equal(k, l, seen) && equal(v, w, seen));
    });
  }
  const keysA = Reflect.ownKeys(a).filter((k) => Object.prototype.propertyIsEnumerable.call(a, k));
  const keysB = Reflect.ownKeys(b).filter((k) => Object.prototype.propertyIsEnumerable.call(b, k));
  if (keysA.length !== keysB.length) return false;
  return keysA.every((k) =>
    Object.prototype.hasOwnProperty.call(b, k) &&
    equal((a as Record<PropertyKey, unknown>)[k], (b as Record<PropertyKey, unknown>)[k], seen)
  );
}

// A multi-line rendering close to `Deno.inspect`, so the diff is line by line.
function format(v: unknown, indent = "", seen = new Set<object>()): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "function") return `[Function: ${v.name || "(anonymous)"}]`;
  if (typeof v !== "object" || v === null) return String(v);
  if (seen.has(v)) return "[Circular]";
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
  if (v instanceof RegExp || v instanceof URL || v instanceof Error) return String(v);
  seen.add(v);
  const inner = indent + "  ";
  const list = (open: string, items: string[], close: string) =>
    items.length === 0
      ? `${open}${close}`
      : `${open}\n${items.map((s) => `${inner}${s},`).join("\n")}\n${indent}${close}`;
  const name = Object.getPrototypeOf(v)?.constructor?.name as string | undefined;
  let out: string;
  if (Array.isArray(v)) {
    out = list("[", v.map((x) => format(x, inner, seen)), "]");
  } else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    out = list(`${name}(${(v as Uint8Array).length}) [`, [...(v as Uint8Array)].map((x) => format(x)), "]");
  } else if (v instanceof Map) {
    out = list(
      `Map(${v.size}) {`,
      [...v].map(([k, x]) => `${format(k, inner, seen)} => ${format(x, inner, seen)}`),
      "}",
    );
  } else if (v instanceof Set) {
    out = list(`Set(${v.size}) {`, [...v].map((x) => format(x, inner, seen)), "}");
  } else {
    const entries = Reflect.ownKeys(v)
      .filter((k) => Object.prototype.propertyIsEnumerable.call(v, k))
      .map((k) => {
        const label = typeof k === "symbol" ? `[${String(k)}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k);
        return `${label}: ${format((v as Record<PropertyKey, unknown>)[k], inner, seen)}`;
      });
    out = list(name && name !== "Object" ? `${name} {` : "{", entries, "}");
  }
  seen.delete(v);
  return out;
}

// Lines of actual and expected, marked as std marks them: "-" only in actual, "+" only in expected.
function diff(actual: string[], expected: string[]): string[] {
  const n = actual.length;
  const m = expected.length;
  const common: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      common[i]![j] = actual[i] === expected[j]
        ? common[i + 1]![j + 1]! + 1
        : Math.max(common[i + 1]![j]!, common[i]![j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && actual[i] === expected[j]) {
      out.push(`    ${actual[i++]}`);
      j++;
    } else if (j >= m || (i < n && common[i + 1]![j]! >= common[i]![j + 1]!)) {
      out.push(`-   ${actual[i++]}`);
    } else {
      out.push(`+   ${expected[j++]}`);
    }
  }
  return out;
}

/**
 * Asserts that `actual` and `expected` are deeply equal, with a line diff in the message when not.
 *
 * @example Usage
 * ```ts
 * import { assertEquals } from "@std/assert";
 * assertEquals({ a: [1, 2] }, { a: [1, 2] });
 * ```
 */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  if (equal(actual, expected)) return;
  const lines = diff(format(actual).split("\n"), format(expected).split("\n"));
  const suffix = msg ? `: ${msg}` : ".";
  throw new AssertionError(
    `Values are not equal${suffix}\n\n\n    [Diff] Actual / Expected\n\n\n${lines.join("\n")}\n`,
  );
}

/**
 * Asserts that `expr` is truthy.
 *
 * @example Usage
 * ```ts
 * import { assert } from "@std/assert";
 * assert([1, 2].includes(2));
 * ```
 */
export function assert(expr: unknown, msg = ""): asserts expr {
  if (!expr) throw new AssertionError(msg);
}

/**
 * Asserts that `actual` matches the regular expression `expected` (as `@std/assert`'s assertMatch).
 *
 * @example Usage
 * ```ts
 * import { assertMatch } from "@std/assert";
 * assertMatch("window-0", /^window-\d+$/);
 * ```
 */
export function assertMatch(actual: string, expected: RegExp, msg?: string): void {
  if (expected.test(actual)) return;
  const suffix = msg ? `: ${msg}` : ".";
  throw new AssertionError(`Expected actual: "${actual}" to match: "${expected}"${suffix}`);
}

type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

function checkError<E extends Error>(
  error: unknown,
  ErrorClass: ErrorClass<E> | undefined,
  msgIncludes: string | undefined,
  msg: string | undefined,
): E {
  const suffix = msg ? `: ${msg}` : ".";
  if (ErrorClass && !(error instanceof ErrorClass)) {
    const got = error instanceof Error ? error.constructor.name : typeof error;
    throw new AssertionError(`Expected error to be instance of "${ErrorClass.name}", but was "${got}"${suffix}`);
  }
  if (msgIncludes !== undefined) {
    const message = error instanceof Error ? error.message : String(error);
    if (!message.includes(msgIncludes)) {
      throw new AssertionError(
        `Expected error message to include ${JSON.stringify(msgIncludes)}, but got ${JSON.stringify(message)}${suffix}`,
      );
    }
  }
  return error as E;
}

/**
 * Asserts that `fn` throws, optionally an instance of `ErrorClass` whose message includes
 * `msgIncludes`, and returns what it threw.
 *
 * @example Usage
 * ```ts
 * import { assertThrows } from "@std/assert";
 * assertThrows(() => JSON.parse("{"), SyntaxError);
 * ```
 */
export function assertThrows(fn: () => unknown, msg?: string): unknown;
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  ErrorClass: ErrorClass<E>,
  msgIncludes?: string,
  msg?: string,
): E;
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  errorClassOrMsg?: ErrorClass<E> | string,
  msgIncludes?: string,
  msg?: string,
): E | unknown {
  const ErrorClass = typeof errorClassOrMsg === "function" ? errorClassOrMsg : undefined;
  const message = typeof errorClassOrMsg === "string" ? errorClassOrMsg : msg;
  try {
    fn();
  } catch (error) {
    return checkError(error, ErrorClass, msgIncludes, message);
  }
  throw new AssertionError(`Expected function to throw${message ? `: ${message}` : "."}`);
}

/**
 * Asserts that `fn` returns a promise that rejects, optionally with an instance of `ErrorClass`
 * whose message includes `msgIncludes`, and returns the reason.
 *
 * @example Usage
 * ```ts
 * import { assertRejects } from "@std/assert";
 * await assertRejects(() => Promise.reject(new RangeError("no")), RangeError, "no");
 * ```
 */
export function assertRejects(fn: () => PromiseLike<unknown>, msg?: string): Promise<unknown>;
export function assertRejects<E extends Error = Error>(
  fn: () => PromiseLike<unknown>,
  ErrorClass: ErrorClass<E>,
  msgIncludes?: string,
  msg?: string,
): Promise<E>;
export async function assertRejects<E extends Error = Error>(
  fn: () => PromiseLike<unknown>,
  errorClassOrMsg?: ErrorClass<E> | string,
  msgIncludes?: string,
  msg?: string,
): Promise<E | unknown> {
  const ErrorClass = typeof errorClassOrMsg === "function" ? errorClassOrMsg : undefined;
  const message = typeof errorClassOrMsg === "string" ? errorClassOrMsg : msg;
  try {
    await fn();
  } catch (error) {
    return checkError(error, ErrorClass, msgIncludes, message);
  }
  throw new AssertionError(`Expected function to reject${message ? `: ${message}` : "."}`);
}
