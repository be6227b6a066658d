import { canonicalJson } from "./canonical_json.ts";

/**
 * A canonical string for a value with its type, so equal values (by content) get equal keys across
 * arrivals, runtimes and checkpoint restores, and 1, "1", true and null all differ: what
 * distinctCount() hashes and topK() counts by.
 */
export function canonicalKey(value: unknown): string {
  switch (typeof value) {
    case "string":
      return "s:" + value;
    case "number":
      return "n:" + (value === 0 ? "0" : String(value));
    case "boolean":
      return value ? "b:1" : "b:0";
    case "bigint":
      return "i:" + value;
    case "undefined":
      return "u:";
    case "object":
      return value === null ? "z:" : "j:" + canonicalJson(value);
  }
  throw new TypeError(`Cannot key a value of type ${typeof value} (${describe(value)}): values must be JSON-like data`);
}

function describe(value: unknown): string {
  return typeof value === "function" ? "a function" : String(value);
}
