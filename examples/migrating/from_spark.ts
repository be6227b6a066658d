// Spark Structured Streaming, in weir. The Spark job this mirrors:
//
//   spark.readStream.format("json").load("events/")                  -> stream(ndjsonFileSource(...)) or stream(array)
//     .withWatermark("ts", "2 seconds")                               -> .withEventTime((e) => e.ts, { maxOutOfOrderness: 2_000 })
//     .groupBy(window($"ts", "10 seconds"), $"page").agg(count("*"),   -> .keyBy((e) => e.page).window(tumbling(10_000))
//              sum("bytes"))                                          ->   .aggregate({ views: count(), bytes: sum((e) => e.bytes) })
//     .writeStream.outputMode("append")                                -> window option outputMode: "append"
//     .trigger(processingTime = "1 second")                            -> stream(input, { batch: { maxMs: 1_000 } })
//     .option("checkpointLocation", "ckpt/").format("parquet")         -> .checkpoint({ store, id, every }) + storeSink / pipeTo
import { count, MemoryStateStore, readResults, storeSink, stream, sum, tumbling } from "../../mod.ts";

export interface PageView {
  page: string;
  ts: number;
  bytes: number;
}

/** Runs the job over `events` and returns the results committed with its checkpoints. */
export async function pageViewsLikeSpark(events: PageView[]): Promise<[string, number, unknown][]> {
  const store = new MemoryStateStore(); // FsStateStore.open("ckpt/") on a server
  await stream(events, { batch: { maxMs: 1_000 } })
    .withEventTime((e) => e.ts, { maxOutOfOrderness: 2_000 })
    .keyBy((e) => e.page)
    .window(tumbling(10_000), { outputMode: "append" })
    .aggregate({ views: count(), bytes: sum((e) => e.bytes) })
    .checkpoint({ store, id: "page-views", every: { ms: 1_000 } })
    .pipeTo(storeSink({ store, job: "page-views" }));
  const results = await readResults<{ key: string; window: { start: number }; value: unknown }>(store, "page-views");
  return results.map((r) => [r.key, r.window.start, r.value]);
}
