// Grouping keys: primitives group by value; plain objects, arrays and Dates by their canonical JSON
// (canonical_json.ts, the encoding result ids, distinctCount() and topK() share), so
// structurally equal keys (`{ a: 1, b: 2 }` and `{ b: 2, a: 1 }`) share one group. Anything else
// (Map, Set, functions, symbols, class instances) has no canonical form: grouping by it would either
// lump distinct keys together (every Map serialises to `{}`) or depend on object identity, which a
// checkpoint cannot restore. Such a key is an InvalidElementError naming the element.
import { InvalidElementError, preview } from "../errors.ts";
import { canonicalJson } from "./canonical_json.ts";

/** Why `v` cannot be (part of) a grouping key, or null when it can. */
function keyProblem(v: unknown, depth: number): string | null {
  switch (typeof v) {
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    case "object": {
      if (v === null || v instanceof Date) return null;
      if (depth > 64) return "nested too deeply (or circular)";
      if (Array.isArray(v)) {
        for (const x of v) {
          const p = keyProblem(x, depth + 1);
          if (p !== null) return p;
        }
        return null;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        const name = (proto as { constructor?: { name?: string } }).constructor?.name;
        return name === "Map" || name === "Set" ? `a ${name}` : `an instance of ${name || "a class"}`;
      }
      for (const k of Object.keys(v)) {
        const p = keyProblem((v as Record<string, unknown>)[k], depth + 1);
        if (p !== null) return p;
      }
      return null;
    }
    default:
      return null;
  }
}

/**
 * The Map key under which elements with key `k` are grouped; `element` names the culprit when the
 * key has no canonical form. Strings, numbers, booleans, bigints, null, undefined, Dates, plain
 * objects and arrays of these group by value.
 */
export function groupingKey(k: unknown, element?: unknown): unknown {
  const t = typeof k;
  if (t !== "object" && t !== "function" && t !== "symbol") return k;
  if (k === null) return k;
  const problem = keyProblem(k, 0);
  if (problem !== null) {
    throw new InvalidElementError(
      `Cannot group element as its key is or contains ${problem}, which has no canonical form ` +
        `(keys group by value: strings, numbers, booleans, bigints, null, Dates, plain objects and arrays of these): ${
          preview(element)
        }`,
    );
  }
  return "\u0000o:" + canonicalJson(k);
}
