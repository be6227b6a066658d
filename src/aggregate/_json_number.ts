// JSON has no NaN, no ±Infinity and no -0 (JSON.stringify turns the first three into null and the
// last into 0), yet min/max/sum must round-trip them through a checkpoint unchanged.

/** A number as JSON can carry it: finite numbers as themselves, the others by name. */
export type JsonNumber = number | NonFiniteName | "-0";

/** The name of a non-finite number. */
export type NonFiniteName = "NaN" | "Infinity" | "-Infinity";

export function encodeNumber(x: number): JsonNumber {
  if (Number.isFinite(x)) return Object.is(x, -0) ? "-0" : x;
  return String(x) as NonFiniteName;
}

export function decodeNumber(j: JsonNumber): number {
  return typeof j === "number" ? j : j === "-0" ? -0 : Number(j);
}

/** What `a + x` is when either side is non-finite, by name (opposite infinities give NaN). */
export function addNonFinite(a: NonFiniteName | null, x: NonFiniteName | null): NonFiniteName | null {
  if (a === null) return x;
  if (x === null || a === x) return a;
  return "NaN";
}
