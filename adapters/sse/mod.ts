/**
 * A weir Source that reads a remote Server-Sent Events feed (`sseSource`): it reconnects, sends
 * `Last-Event-ID`, and with `replayable: true` resumes from checkpoints. Needs the peer package
 * `eventsource-parser`; it does not need hono.
 *
 * @example Read the results feed of another weir server
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { stream } from "weirjs";
 * import { sseSource } from "weirjs/adapters/sse";
 *
 * // A stand-in for the server: two results, then 204 (the SSE way to say "no more").
 * const events = 'data: {"key":"a","value":1}\n\ndata: {"key":"b","value":2}\n\n';
 * const responses = [
 *   new Response(events, { headers: { "content-type": "text/event-stream" } }),
 *   new Response(null, { status: 204 }),
 * ];
 * const fetch = async () => responses.shift()!;
 * const remote = sseSource<{ key: string; value: number }>("http://127.0.0.1:8787/results", { fetch });
 * assertEquals(await stream(remote).toArray(), [{ key: "a", value: 1 }, { key: "b", value: 2 }]);
 * ```
 *
 * @module
 */
export { sseSource, type SseSourceOptions } from "./sse_source.ts";
/** The parsed SSE event `parse` and `onInvalid` receive (eventsource-parser's type). */
export type { EventSourceMessage } from "eventsource-parser";
