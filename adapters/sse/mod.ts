/**
 * A weir Source that reads a remote Server-Sent Events feed (`sseSource`): it reconnects, sends
 * `Last-Event-ID`, and with `replayable: true` resumes from checkpoints. Needs the peer package
 * `eventsource-parser`; it does not need hono.
 *
 * @example Read the results feed of another weir server
 * ```ts
 * import { stream } from "weirjs";
 * import { sseSource } from "weirjs/adapters/sse";
 *
 * const remote = sseSource<{ key: string; value: number }>("http://127.0.0.1:8787/results");
 * for await (const r of stream(remote)) console.log(r.key, r.value);
 * ```
 *
 * @module
 */
export { sseSource, type SseSourceOptions } from "./sse_source.ts";
