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

/** An element could not be processed: a missing or non-finite event time, a key function that threw, ... */
export class InvalidElementError extends WeirError {}

/** Input text could not be decoded (for example malformed NDJSON); the message names the line. */
export class DecodeError extends WeirError {
  /** 1-based line number of the offending input line, when known. */
  readonly line?: number;
  /** Creates the error; `line` is the 1-based input line, when known. */
  constructor(message: string, options?: { cause?: unknown; line?: number }) {
    super(message, options);
    if (options?.line !== undefined) this.line = options.line;
  }
}

/** A `StateStore` operation failed. */
export class StateStoreError extends WeirError {}

/** A checkpoint could not be written, or could not be restored. */
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
