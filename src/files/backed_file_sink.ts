import { TwoPhaseCommitSink } from "../checkpoint/mod.ts";
import { checkOptionNames } from "../option_names.ts";
import { type Clock, systemClock } from "../time/clock.ts";
import { type FileSinkPending, PartCommitter } from "./_part_committer.ts";
import { checkPrefix, PartNames } from "./_part_names.ts";
import { type PartitionBy, partitioner } from "./_partition.ts";
import type { FileSinkBackend } from "./file_sink_backend.ts";

export type { FileSinkPending } from "./_part_committer.ts";
export type { PartitionBy } from "./_partition.ts";

/** Options of `fileSink` (weirjs/adapters/fs), `opfsFileSink` (weirjs/adapters/opfs) and {@linkcode backedFileSink}. */
export interface FileSinkOptions<T = unknown> {
  /**
   * `"ndjson"` (default): one JSON text per line, every field of the result. `"csv"`: RFC 4180 with a
   * header line and CRLF line ends. A window result's columns are `key`, `window.start`, `window.end`,
   * `timestamp`, `pane.timing`, `pane.index` and `value`, with object keys and values flattened into
   * dotted columns (`value.n`, `value.total`); other results are their flattened fields. Times are epoch
   * milliseconds; arrays and other objects are JSON text; `null` and `undefined` are empty fields, an
   * empty string is `""`. A result whose columns differ from its part file's starts a new part.
   */
  format?: "ndjson" | "csv";
  /**
   * When an open part file is finished before a checkpoint would finish it: at `maxBytes` bytes (a part
   * is never larger unless one result is; default 128 MiB) or `maxMs` milliseconds of processing time
   * after it was opened (checked when a result arrives; default no limit).
   */
  rollover?: { maxBytes?: number; maxMs?: number };
  /**
   * The directory of a result, by its window's start in UTC: `"hour"` (default,
   * `date=2026-12-03/hour=14`), `"day"` (`date=2026-12-03`), `"none"` (the sink's directory), or a
   * function returning a relative path (`""` for none). Results without a finite `window.start` (not
   * window results, or the global window) need `"none"` or a function. Each partition that received
   * results since the last checkpoint keeps one part file open until then.
   */
  partitionBy?: PartitionBy<T>;
  /** The start of part file names (default `"part"`): `part-<checkpoint>-<n>.ndjson`. */
  prefix?: string;
  /** Where `rollover.maxMs` reads processing time (default the wall clock). */
  clock?: Clock;
}

function limit(name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !(v > 0)) {
    throw new RangeError(
      `Cannot create fileSink as rollover.${name} must be a number > 0: current value is ${String(v)}`,
    );
  }
  return v;
}

/**
 * A sink that writes results as part files through `backend` (any directory-like storage), exactly once
 * with checkpoints, as Flink's FileSink does: results go to an open part file per partition, named
 * `.part-<uuid>.inprogress`, which is finished on rollover or at the next checkpoint and renamed to
 * `part-<checkpoint>-<n>.<ext>` only once that checkpoint is durable. After a crash the restored
 * checkpoint's renames are completed and every temporary file, and every part of a later checkpoint, is
 * removed: the job writes those results again, so each is committed once. Without `.checkpoint(...)` the
 * parts are committed when the sink closes (as `part-<uuid>-<n>.<ext>`).
 *
 * The directory (part files with this `prefix`) belongs to one job: a job that starts without a
 * checkpoint (the first run, `discardState: true`, a lost store) removes its committed parts too, as it
 * is about to write them all again. Readers should skip names starting with `.`.
 *
 * Use `fileSink(dir)` from `weirjs/adapters/fs` or `opfsFileSink(dir)` from `weirjs/adapters/opfs`; this
 * function is for other storage (an object store, a test double).
 *
 * @example Part files in a directory kept in memory
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { backedFileSink, count, type FileSinkBackend, MemoryStateStore, stream, tumbling } from "weirjs";
 *
 * const files = new Map<string, string>();
 * const backend: FileSinkBackend = {
 *   create: (path) => {
 *     files.set(path, "");
 *     return Promise.resolve({
 *       write: (bytes) => Promise.resolve(void files.set(path, files.get(path) + new TextDecoder().decode(bytes))),
 *       close: () => Promise.resolve(),
 *     });
 *   },
 *   rename: (from, to) => {
 *     const text = files.get(from);
 *     if (text === undefined) return Promise.resolve(false);
 *     files.delete(from);
 *     files.set(to, text);
 *     return Promise.resolve(true);
 *   },
 *   remove: (path) => Promise.resolve(void files.delete(path)),
 *   list: () => Promise.resolve([...files.keys()]),
 * };
 * await stream([{ ts: 1_000 }, { ts: 2_000 }, { ts: 3_700_000 }])
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *   .window(tumbling(60_000))
 *   .aggregate(count())
 *   .checkpoint({ store: new MemoryStateStore(), id: "per-minute", every: { events: 10 } })
 *   .pipeTo(backedFileSink(backend, { format: "csv", partitionBy: "hour" }));
 * assertEquals([...files.keys()].sort(), [
 *   "date=1970-01-01/hour=00/part-000000000000-000000.csv",
 *   "date=1970-01-01/hour=01/part-000000000000-000001.csv",
 * ]);
 * assertEquals(
 *   files.get("date=1970-01-01/hour=00/part-000000000000-000000.csv"),
 *   "key,window.start,window.end,timestamp,pane.timing,pane.index,value\r\n,0,60000,59999,on-time,0,2\r\n",
 * );
 * ```
 */
export function backedFileSink<T = unknown>(
  backend: FileSinkBackend,
  options: FileSinkOptions<T> = {},
): TwoPhaseCommitSink<T, FileSinkPending> {
  const isBackend = typeof backend === "object" && backend !== null &&
    (["create", "rename", "remove", "list"] as const).every((m) => typeof backend[m] === "function");
  if (!isBackend) {
    throw new TypeError(
      `Cannot create fileSink as backend must be a FileSinkBackend { create, rename, remove, list }: current value is ${
        String(backend)
      }`,
    );
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot create fileSink as options must be an object: current value is ${String(options)}`);
  }
  checkOptionNames("create fileSink", options, ["format", "rollover", "partitionBy", "prefix", "clock"]);
  const { format = "ndjson", rollover = {}, partitionBy = "hour", prefix = "part", clock = systemClock } = options;
  if (format !== "ndjson" && format !== "csv") {
    throw new TypeError(
      `Cannot create fileSink as format must be "ndjson" or "csv": current value is ${JSON.stringify(format)}`,
    );
  }
  if (typeof rollover !== "object" || rollover === null) {
    throw new TypeError(
      `Cannot create fileSink as rollover must be { maxBytes, maxMs }: current value is ${String(rollover)}`,
    );
  }
  checkOptionNames("create fileSink", rollover, ["maxBytes", "maxMs"]);
  checkPrefix(prefix);
  if (typeof clock !== "object" || clock === null || typeof clock.now !== "function") {
    throw new TypeError(
      `Cannot create fileSink as clock must be an object with a now() method: current value is ${String(clock)}`,
    );
  }
  return new TwoPhaseCommitSink<T, FileSinkPending>(
    new PartCommitter<T>({
      backend,
      names: new PartNames(prefix, `.${format}`),
      format,
      maxBytes: limit("maxBytes", rollover.maxBytes, 128 * 1024 * 1024),
      maxMs: limit("maxMs", rollover.maxMs, Infinity),
      partition: partitioner(partitionBy),
      clock,
    }),
  );
}
