import { StateStoreError } from "../errors.ts";

/**
 * A store holds an entry for `key` but cannot read its value back (a torn or altered file, a value whose
 * chunks are gone). Unlike other `StateStoreError`s it is not a failure of the backend that a retry may
 * cure: the value is lost. The checkpoint layer treats it like a checksum mismatch (the checkpoint is
 * skipped); stores raise it from `get`, with the underlying problem as `cause`.
 *
 * @example Telling a damaged value from a failing backend
 * ```ts
 * import { assert } from "@std/assert";
 * import { DamagedValueError, StateStoreError } from "weirjs/state";
 *
 * const error = new DamagedValueError("ckpt/j/m/1", "Cannot get \"ckpt/j/m/1\" as its file is cut short");
 * assert(error instanceof StateStoreError);
 * assert(error.key === "ckpt/j/m/1");
 * ```
 */
export class DamagedValueError extends StateStoreError {
  /** The key whose value is damaged. */
  readonly key: string;

  /** Creates the error for `key`; `cause` says what is wrong with the stored bytes. */
  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.key = key;
  }
}
