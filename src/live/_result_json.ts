// The JSON text of a result as the feed serves it (SSE `data:`): Maps, Sets and bigints (some
// combiners' values) get a JSON form instead of failing.
import type { WindowResult } from "../window/types.ts";

export function resultJson(result: WindowResult): string {
  return JSON.stringify(
    result,
    (_k, v) =>
      typeof v === "bigint" ? v.toString() : v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? [...v] : v,
  );
}
