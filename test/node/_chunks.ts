// Chunked inputs for chunking-invariance properties, and a comparable form of results.
import type { Source, WindowResult } from "../../mod.ts";

/** A source that delivers exactly the given chunks. */
export function chunked<T>(chunks: T[][]): Source<T> {
  return {
    kind: "source",
    replayable: false,
    *open() {
      for (const values of chunks) yield { type: "elements", values };
    },
  };
}

/** `items` cut at the positions `cuts` (taken modulo length + 1). */
export function split<T>(items: T[], cuts: number[]): T[][] {
  const out: T[][] = [];
  let at = 0;
  for (const c of [...new Set(cuts.map((x) => x % (items.length + 1)))].sort((a, b) => a - b)) {
    if (c > at) out.push(items.slice(at, c));
    at = Math.max(at, c);
  }
  if (at < items.length) out.push(items.slice(at));
  return out;
}

/** Everything a result says, as comparable strings. */
export const brief = (rs: WindowResult[]): string[] =>
  rs.map((r) => JSON.stringify([r.key, r.window, r.value, r.pane, r.timestamp]));
