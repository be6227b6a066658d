import { canonicalJson } from "../keys/canonical_json.ts";
import type { WindowResult } from "./types.ts";

function keyText(k: unknown): string {
  if (typeof k === "string") return "s" + k;
  if (typeof k === "object" && k !== null) return "o" + canonicalJson(k);
  return (typeof k).charAt(0) + String(k);
}

/**
 * The deterministic id of a result: the same (job, key, window, pane index) always yields the same
 * id, so a consumer can de-duplicate results re-emitted after a crash and restart. The id is
 * `<job>/<key>/<start>/<end>/<pane index>` with the key and job percent-encoded (so it is safe in
 * SSE `id:` fields, URLs and store keys).
 *
 * @example The id of a pane
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { resultId } from "weirjs";
 *
 * const id = resultId("clicks", { key: "fr", window: { start: 0, end: 60_000 }, pane: { index: 0 } });
 * assertEquals(id, "clicks/sfr/0/60000/0");
 * ```
 */
export function resultId(
  job: string,
  result: Pick<WindowResult, "key" | "window"> & { pane: { index: number } },
): string {
  return [
    encodeURIComponent(job),
    encodeURIComponent(keyText(result.key)),
    String(result.window.start),
    String(result.window.end),
    String(result.pane.index),
  ].join("/");
}
