/// <reference types="node" />
import { backedFileSink, type FileSinkOptions, type FileSinkPending, type TwoPhaseCommitSink } from "../../mod.ts";
import { FsFileSinkBackend } from "./_file_sink_backend.ts";

/**
 * Writes results into directory `dir` as rolling part files, exactly once with checkpoints (Flink's
 * FileSink, Spark's file sink): each partition (`date=2026-12-03/hour=14/` by default) has an open part
 * file `.part-<uuid>.inprogress`, finished at `rollover.maxBytes` / `rollover.maxMs` or at a checkpoint
 * and renamed to `part-<checkpoint>-<n>.ndjson` (or `.csv`) once that checkpoint is durable. Every file
 * is fsynced, and its directory, before the checkpoint that names it is written, and every rename before
 * it counts as committed. After a crash the restarted job completes the restored checkpoint's renames
 * and removes temporary files and later parts, which it writes again: the committed parts hold each
 * result once. Without `.checkpoint(...)` the parts are committed when the sink closes. See
 * `backedFileSink` (in "weirjs") for the formats, the CSV columns and the options. It uses
 * `node:fs/promises` only, so it runs on Node, Deno and Bun.
 *
 * @example Exactly-once NDJSON part files, one directory per hour
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { mkdtemp, readdir, readFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { count, stream, tumbling } from "weirjs";
 * import { fileSink, FsStateStore } from "weirjs/adapters/fs";
 *
 * const dir = await mkdtemp(join(tmpdir(), "weir-"));
 * const store = await FsStateStore.open(join(dir, "checkpoints"));
 * const clicks = [{ page: "/", ts: 1_000 }, { page: "/a", ts: 2_000 }, { page: "/", ts: 3_600_000 }];
 * await stream(clicks)
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *   .keyBy((e) => e.page)
 *   .window(tumbling(60_000))
 *   .aggregate(count())
 *   .checkpoint({ store, id: "clicks", every: { ms: 1_000 } })
 *   .pipeTo(fileSink(join(dir, "out")));
 * await store.close();
 * assertEquals(await readdir(join(dir, "out/date=1970-01-01")), ["hour=00", "hour=01"]);
 * const part = await readFile(join(dir, "out/date=1970-01-01/hour=00/part-000000000000-000000.ndjson"), "utf8");
 * assertEquals(part.trim().split("\n").map((l) => JSON.parse(l).key), ["/", "/a"]);
 * ```
 */
export function fileSink<T = unknown>(
  dir: string,
  options: FileSinkOptions<T> = {},
): TwoPhaseCommitSink<T, FileSinkPending> {
  if (typeof dir !== "string" || dir === "") {
    throw new TypeError(
      `Cannot create fileSink as dir must be a non-empty path: current value is ${JSON.stringify(dir) ?? String(dir)}`,
    );
  }
  return backedFileSink<T>(new FsFileSinkBackend(dir), options);
}
