// The one canonical encoding of a value in weir: grouping keys, result ids, distinctCount() and
// topK() all use it, so "equal keys" means the same thing everywhere.
// - Objects and arrays are encoded like JSON with object keys sorted, so { a: 1, b: 2 } and
//   { b: 2, a: 1 } are the same value; `toJSON` is honoured (Dates become their ISO text) and
//   undefined members are skipped, so a value and its JSON round-trip (a checkpoint) agree.
// - Numbers use their shortest round-trip text; -0 is 0 (as in Set and Map); NaN and ±Infinity keep
//   their names, so they differ from null.

/** The canonical text of `value` (JSON-like, object keys sorted). Throws a TypeError for functions, symbols and cycles. */
export function canonicalJson(value: unknown): string {
  return encode(value, new Set());
}

function encode(value: unknown, ancestors: Set<object>): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return value === 0 ? "0" : String(value);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value + "n";
    case "object": {
      if (value === null) return "null";
      const withJson = value as { toJSON?: () => unknown };
      if (typeof withJson.toJSON === "function") return encode(withJson.toJSON(), ancestors);
      if (ancestors.has(value)) {
        throw new TypeError("Cannot key a value that contains itself: values must be JSON-like data");
      }
      ancestors.add(value);
      let text: string;
      if (Array.isArray(value)) {
        // As in JSON, holes and undefined members of arrays read as null.
        text = "[" + Array.from(value, (item) => (item === undefined ? "null" : encode(item, ancestors))).join(",") +
          "]";
      } else {
        const record = value as Record<string, unknown>;
        const parts: string[] = [];
        for (const key of Object.keys(record).sort()) {
          const member = record[key];
          if (member !== undefined && typeof member !== "function") {
            parts.push(JSON.stringify(key) + ":" + encode(member, ancestors));
          }
        }
        text = "{" + parts.join(",") + "}";
      }
      ancestors.delete(value);
      return text;
    }
  }
  throw new TypeError(`Cannot key a value that contains a ${typeof value}: values must be JSON-like data`);
}
