/**
 * The Standard Schema interface (https://standardschema.dev, v1), which zod, valibot, ArkType and
 * others implement: weir validates ingested events with any object that has a `~standard.validate`
 * function, without depending on a particular library.
 *
 * @example A hand-written schema
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import type { StandardSchemaV1 } from "weirjs/live";
 *
 * const view: StandardSchemaV1<unknown, { country: string; ts: number }> = {
 *   "~standard": {
 *     version: 1,
 *     vendor: "example",
 *     validate: (v) => {
 *       const e = v as { country?: unknown; ts?: unknown };
 *       return typeof e?.country === "string"
 *         ? { value: { country: e.country, ts: e.ts as number } }
 *         : { issues: [{ message: "country must be a string", path: ["country"] }] };
 *     },
 *   },
 * };
 * assertEquals(await view["~standard"].validate({ country: "fr", ts: 1 }), { value: { country: "fr", ts: 1 } });
 * ```
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The schema's Standard Schema interface. */
  readonly "~standard": StandardSchemaProps<Input, Output>;
}

/** The properties under `~standard`. */
export interface StandardSchemaProps<Input = unknown, Output = Input> {
  /** The version of the Standard Schema spec. */
  readonly version: 1;
  /** The library that made the schema. */
  readonly vendor: string;
  /** Validates `value`, synchronously or not; the output may differ from the input (defaults, coercions). */
  readonly validate: (value: unknown) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
  /** The input and output types, for type inference only. */
  readonly types?: { readonly input: Input; readonly output: Output } | undefined;
}

/** A successful validation carries the output; a failed one lists issues. */
export type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardSchemaIssue> };

/** One problem found by a schema. */
export interface StandardSchemaIssue {
  /** What is wrong. */
  readonly message: string;
  /** Where in the value, when known. */
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}
