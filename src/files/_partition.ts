// Which directory a result goes to: by the UTC hour or day of its window's start (Hive-style
// `date=2026-12-03/hour=14`, which Spark, Trino and DuckDB read as partition columns), nowhere (the
// sink's directory itself), or a path the user computes.

/** Where results go: `"hour"`/`"day"` directories of the window start (UTC), `"none"`, or a path from each result. */
export type PartitionBy<T> = "hour" | "day" | "none" | ((result: T) => string);

function windowStart(result: unknown, by: string): number {
  const start = (result as { window?: { start?: unknown } } | null)?.window?.start;
  if (typeof start !== "number" || !Number.isFinite(start) || Math.abs(start) > 8.64e15) {
    throw new TypeError(
      `Cannot partition a result by ${by} as its window.start must be a finite time: current value is ${
        String(start)
      } (partition results without windows, or in the global window, with partitionBy "none" or a function)`,
    );
  }
  return start;
}

const two = (n: number): string => String(n).padStart(2, "0");
const day = (d: Date): string => `date=${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The directory of a result's UTC hour or day; the last one is kept, as results come in runs of one period. */
function byPeriod(ms: number, by: string, format: (d: Date) => string): (result: unknown) => string {
  let period = NaN, path = "";
  return (r) => {
    const start = windowStart(r, by);
    const p = start - (((start % ms) + ms) % ms);
    if (p !== period) {
      period = p;
      path = format(new Date(p));
    }
    return path;
  };
}

/** Throws unless `path` is a relative directory path of plain segments. */
export function checkPartition(path: unknown): string {
  const ok = typeof path === "string" &&
    (path === "" || path.split("/").every((s) => s !== "" && s !== "." && s !== ".." && !/[\\\0]/.test(s)));
  if (!ok) {
    throw new TypeError(
      `Cannot write a result as partitionBy must return a relative directory path ("a/b", "" for none, no "." or ".." segments, no backslashes): current value is ${
        JSON.stringify(path) ?? String(path)
      }`,
    );
  }
  return path;
}

/** The function that maps a result to its directory. */
export function partitioner<T>(by: PartitionBy<T>): (result: T) => string {
  if (by === "none") return () => "";
  if (by === "day") return byPeriod(DAY_MS, "day", (d) => day(d));
  if (by === "hour") return byPeriod(HOUR_MS, "hour", (d) => `${day(d)}/hour=${two(d.getUTCHours())}`);
  if (typeof by === "function") return (r) => checkPartition(by(r));
  throw new TypeError(
    `Cannot create fileSink as partitionBy must be "hour", "day", "none" or a function: current value is ${
      JSON.stringify(by) ?? String(by)
    }`,
  );
}
