// Grouping keys: primitives group by value; objects and arrays by their canonical JSON, so
// structurally equal keys (`{ a: 1, b: 2 }` and `{ b: 2, a: 1 }`) share one group.

/** JSON with object keys sorted, so structurally equal values give the same text. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return "[" + v.map(stableJson).join(",") + "]";
  if (typeof v === "object" && v !== null) {
    if (v instanceof Date) return JSON.stringify(v);
    const o = v as Record<string, unknown>;
    return "{" + Object.keys(o).sort().map((k) => JSON.stringify(k) + ":" + stableJson(o[k])).join(",") + "}";
  }
  return typeof v === "bigint" ? v.toString() + "n" : JSON.stringify(v) ?? "undefined";
}

/** The Map key under which elements with key `k` are grouped. */
export function normalizeKey(k: unknown): unknown {
  return typeof k === "object" && k !== null ? "\u0000o:" + stableJson(k) : k;
}
