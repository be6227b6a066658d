const NDJSON_TYPES = new Set([
  "application/x-ndjson",
  "application/ndjson",
  "application/jsonl",
  "application/x-jsonlines",
  "application/jsonlines",
]);

/**
 * The batch format that {@linkcode readBatch} reads for a `Content-Type` header: `"json"` (an array of
 * events, or one event), `"ndjson"` (one event per line; JSON Lines types too), or `undefined` for
 * anything else (the HTTP layer answers `415`). Parameters such as `charset` are ignored.
 *
 * @example
 * ```ts
 * import { bodyFormat } from "weirjs/live";
 *
 * console.log(bodyFormat("application/json; charset=utf-8")); // "json"
 * console.log(bodyFormat("application/x-ndjson")); // "ndjson"
 * console.log(bodyFormat("text/plain")); // undefined
 * ```
 */
export function bodyFormat(contentType: string | undefined): "json" | "ndjson" | undefined {
  const media = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (media === "application/json") return "json";
  return NDJSON_TYPES.has(media) ? "ndjson" : undefined;
}
