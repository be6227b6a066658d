/**
 * weir on NATS JetStream, for jobs that outgrow one process: the partition of a key
 * (`partitionOf`, the same in every runtime and documented for producers in other languages) and its
 * subject (`partitionSubject`); checkpoint state in a NATS KV bucket (`NatsKvStateStore`), fenced so that
 * a process that lost its partitions cannot commit (`FencedError`).
 *
 * The adapter never opens connections: pass a `NatsConnection` you opened yourself, with
 * `@nats-io/transport-node` under Node, Deno and Bun or `wsconnect` from `@nats-io/nats-core` in
 * browsers. Peer packages: `@nats-io/nats-core` (with a transport), `@nats-io/jetstream`, `@nats-io/kv`.
 *
 * @example Publish an event to its partition
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { partitionOf, partitionSubject } from "weirjs/adapters/nats";
 *
 * const event = { user: "user-1", ts: 1_000 };
 * const subject = partitionSubject("events", "clicks", partitionOf(event.user, 16));
 * assertEquals(subject, "events.clicks.9");
 * // await js.publish(subject, JSON.stringify(event));
 * ```
 *
 * @module
 */
export { partitionOf, partitionSubject } from "./partition.ts";
export { NatsKvStateStore, type NatsKvStateStoreOptions } from "./nats_kv_state_store.ts";
export { FencedError } from "./fenced_error.ts";
export type { NatsConnection } from "./nats_connection.ts";
export { JetStreamSink, jetStreamSink, type JetStreamSinkOptions } from "./jetstream_sink.ts";
export { jetStreamIngestLog, type JetStreamIngestLogOptions } from "./jetstream_ingest.ts";
export {
  type JetStreamClient,
  type JetStreamOffset,
  jetStreamSource,
  type JetStreamSourceOptions,
  type PartitionedSubjects,
  publishEvents,
  publishWatermark,
  WATERMARK_HEADER,
} from "./jetstream_source.ts";
export type { PartitionPosition } from "./_source_partition.ts";
export { runWorker, type RunWorkerOptions, type WorkerHandle } from "./worker.ts";
