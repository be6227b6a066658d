import type { StandardSchemaV1 } from "./standard_schema.ts";

/**
 * True for any object with a `~standard.validate` function: a {@linkcode StandardSchemaV1}
 * (zod, valibot, ArkType, ...).
 *
 * @example Telling a Standard Schema from other objects
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { isStandardSchema } from "weirjs/live";
 *
 * const schema = { "~standard": { version: 1, vendor: "x", validate: (v: unknown) => ({ value: v }) } };
 * assertEquals(isStandardSchema(schema), true);
 * assertEquals(isStandardSchema({ parse: () => {} }), false);
 * ```
 */
export function isStandardSchema(x: unknown): x is StandardSchemaV1 {
  const props = (x as { "~standard"?: { validate?: unknown } } | null | undefined)?.["~standard"];
  return (typeof x === "object" || typeof x === "function") && x !== null && typeof props?.validate === "function";
}
