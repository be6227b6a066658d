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
 * @example Which body a content type announces
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { bodyFormat } from "weirjs/live";
 *
 * assertEquals(bodyFormat("application/json; charset=utf-8"), "json");
 * assertEquals(bodyFormat("application/x-ndjson"), "ndjson");
 * assertEquals(bodyFormat("text/plain"), undefined);
 * ```
 */
export function bodyFormat(contentType: string | undefined): "json" | "ndjson" | undefined {
  const media = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (media === "application/json") return "json";
  return NDJSON_TYPES.has(media) ? "ndjson" : undefined;
}
