// Window results as JSON that reads back as the same values: a stored replay window must restore
// `item.result` as it was published, and results hold what JSON cannot say (global windows end at
// Infinity; combiners return Maps, Sets, bigints, Dates). Such values, and plain objects that happen to
// have a "$" key, become tagged objects { $: tag, v: ... }. Like JSON, class instances become plain objects.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function encodeValue(value: unknown): Json {
  switch (typeof value) {
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0)
        ? value
        : { $: "num", v: Object.is(value, -0) ? "-0" : String(value) };
    case "bigint":
      return { $: "big", v: value.toString() };
    case "undefined":
      return { $: "undef" };
    case "boolean":
    case "string":
      return value;
    case "object":
      break;
    default:
      // Functions and symbols: JSON drops them too.
      return { $: "undef" };
  }
  if (value === null) return null;
  if (Array.isArray(value)) return value.map(encodeValue);
  if (value instanceof Map) return { $: "map", v: [...value].map(([k, v]) => [encodeValue(k), encodeValue(v)]) };
  if (value instanceof Set) return { $: "set", v: [...value].map(encodeValue) };
  if (value instanceof Date) return { $: "date", v: value.getTime() };
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encodeValue(v);
  return "$" in out ? { $: "obj", v: out } : out;
}

export function decodeValue(json: Json): unknown {
  if (typeof json !== "object" || json === null) return json;
  if (Array.isArray(json)) return json.map(decodeValue);
  if (!("$" in json)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(json)) out[k] = decodeValue(v);
    return out;
  }
  const v = json.v as Json;
  switch (json.$) {
    case "num":
      return Number(v);
    case "big":
      return BigInt(v as string);
    case "undef":
      return undefined;
    case "map":
      return new Map((v as Json[][]).map(([k, x]) => [decodeValue(k!), decodeValue(x!)]));
    case "set":
      return new Set((v as Json[]).map(decodeValue));
    case "date":
      return new Date(v as number);
    case "obj": {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as { [k: string]: Json })) out[k] = decodeValue(x);
      return out;
    }
    default:
      throw new TypeError(`unknown tag ${JSON.stringify(json.$)}`);
  }
}
