// Options objects from plain JavaScript: a misspelled name (`allowedLatness`) would otherwise be
// ignored without a word. Unknown names are an error that lists the valid ones and the closest match.

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(
        row[j]! + 1,
        row[j - 1]! + 1,
        prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
      );
      prev = cur;
    }
  }
  return row[b.length]!;
}

/**
 * Throws a TypeError when `options` has a property that is not in `valid`; `what` completes
 * "Cannot ..." (for example "create window"). For adapter authors (`weirjs/state`): a misspelled
 * option fails loudly, with the closest valid name.
 *
 * @example A misspelled option
 * ```ts
 * import { assertThrows } from "@std/assert";
 * import { checkOptionNames } from "weirjs/state";
 *
 * checkOptionNames("open my store", { path: "/tmp/x" }, ["path", "sync"]); // fine
 * assertThrows(() => checkOptionNames("open my store", { snyc: true }, ["path", "sync"]), TypeError);
 * ```
 */
export function checkOptionNames(what: string, options: object, valid: readonly string[]): void {
  for (const name of Object.keys(options)) {
    if (valid.includes(name)) continue;
    let best = "", bestD = Infinity;
    for (const v of valid) {
      const d = distance(name, v);
      if (d < bestD) {
        best = v;
        bestD = d;
      }
    }
    const hint = bestD <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean ${JSON.stringify(best)}?)` : "";
    throw new TypeError(
      `Cannot ${what} as ${JSON.stringify(name)} is not an option${hint}: valid options are ${
        valid.map((v) => JSON.stringify(v)).join(", ")
      }`,
    );
  }
}
