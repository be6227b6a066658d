import type { EventSourceMessage } from "eventsource-parser";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { DecodeError, type Source, type SourceEvent, WeirError } from "../../mod.ts";
import { checkOptionNames } from "../../src/state/mod.ts";

/** Options of {@linkcode sseSource}. */
export interface SseSourceOptions<T> {
  /** Event types to take (default `["message"]`: events without an `event:` field); others are skipped. */
  events?: readonly string[];
  /** Turns an event into an element (default: `JSON.parse` of its data). */
  parse?: (data: string, event: EventSourceMessage) => T;
  /** Called for an event `parse` rejects; without it such an event fails the source with a `DecodeError`. */
  onInvalid?: (error: DecodeError, event: EventSourceMessage) => void;
  /** Extra request headers (for example `authorization`). */
  headers?: Record<string, string>;
  /**
   * Declare `true` when the server resumes exactly after `Last-Event-ID` (as weir's own `GET /results`
   * does while the id is in its replay buffer): checkpoints then store the last event id as the offset
   * and a restart resumes there. Default `false`.
   */
  replayable?: boolean;
  /** Resume after this id on the first connection (a checkpoint's offset takes precedence). */
  lastEventId?: string;
  /** First reconnection delay (ms, default 500; the server's `retry:` field replaces it), doubled per failed attempt. */
  initialDelayMs?: number;
  /** Longest reconnection delay (ms, default 30 000). */
  maxDelayMs?: number;
  /** Failed connection attempts in a row before the source fails (default Infinity). */
  maxAttempts?: number;
  /** The fetch to use (default the global one). */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

class Fatal extends WeirError {}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * A weir Source that reads a remote Server-Sent Events feed (parsed with `eventsource-parser`): each
 * taken event becomes an element. When the connection drops or the server ends the stream, it
 * reconnects after a delay with exponential backoff and jitter, sending `Last-Event-ID` so the server
 * can resume. A `204` answer ends the source (the SSE way to say "stop"); other 4xx answers fail it;
 * 408, 429, 5xx and network errors are retried. The offset of each chunk is the last event id seen.
 *
 * @example Ingest another weir server's results
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { stream, sum, tumbling } from "weirjs";
 * import { sseSource } from "weirjs/adapters/sse";
 *
 * // A stand-in for `GET /results` of the other server: `event: result` events, then 204 ("no more").
 * const result = (id: number, key: string, timestamp: number, value: number) =>
 *   `event: result\nid: ${id}\ndata: ${JSON.stringify({ key, timestamp, value })}\n\n`;
 * const events = result(1, "fr", 10_000, 3) + result(2, "de", 20_000, 1) + result(3, "fr", 70_000, 4);
 * const responses = [
 *   new Response(events, { headers: { "content-type": "text/event-stream" } }),
 *   new Response(null, { status: 204 }),
 * ];
 * type Result = { key: string; timestamp: number; value: number };
 * const upstream = sseSource<Result>("http://127.0.0.1:8787/results", {
 *   events: ["result"],
 *   replayable: true, // checkpoints store the last event id, and a restart resumes after it
 *   fetch: async () => responses.shift()!,
 * });
 * const perMinute = await stream(upstream)
 *   .withEventTime((r) => r.timestamp, { maxOutOfOrderness: 0 })
 *   .keyBy((r) => r.key)
 *   .window(tumbling(60_000))
 *   .aggregate(sum((r: Result) => r.value))
 *   .toArray();
 * // 70 000 closed the first minute; a live feed's end fires nothing, so the second minute stays open.
 * assertEquals(perMinute.map((r) => [r.key, r.value]), [["fr", 3], ["de", 1]]);
 * ```
 */
export function sseSource<T = unknown>(url: string | URL, options: SseSourceOptions<T> = {}): Source<T> {
  checkOptionNames("create sseSource", options ?? {}, [
    "events",
    "parse",
    "onInvalid",
    "headers",
    "replayable",
    "lastEventId",
    "initialDelayMs",
    "maxDelayMs",
    "maxAttempts",
    "fetch",
  ]);
  const href = String(url);
  const wanted = new Set(options.events ?? ["message"]);
  const parse = options.parse ?? ((data: string) => JSON.parse(data) as T);
  const initial = options.initialDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 30_000;
  const maxAttempts = options.maxAttempts ?? Infinity;
  for (
    const [name, v] of [["initialDelayMs", initial], ["maxDelayMs", maxDelay], ["maxAttempts", maxAttempts]] as const
  ) {
    if (typeof v !== "number" || !(v >= 0)) {
      throw new RangeError(`Cannot create SSE source as ${name} must be a number >= 0: current value is ${String(v)}`);
    }
  }
  const doFetch = options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));

  async function* read(start: string | undefined, signal: AbortSignal): AsyncGenerator<SourceEvent<T>> {
    let lastId = start;
    let base = initial;
    let failures = 0;
    while (!signal.aborted) {
      let cause: unknown;
      try {
        const headers: Record<string, string> = {
          accept: "text/event-stream",
          "cache-control": "no-cache",
          ...options.headers,
        };
        if (lastId !== undefined && lastId !== "") headers["last-event-id"] = lastId;
        const res = await doFetch(href, { headers, signal });
        if (res.status === 204) return;
        if (!res.ok || res.body === null) {
          await res.body?.cancel();
          const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
          const err = `SSE source ${href} answered ${res.status} ${res.statusText}`;
          if (!retryable) throw new Fatal(err);
          throw new WeirError(err);
        }
        const type = res.headers.get("content-type") ?? "";
        if (!type.toLowerCase().startsWith("text/event-stream")) {
          await res.body.cancel();
          throw new Fatal(
            `SSE source ${href} answered with Content-Type ${JSON.stringify(type)}, not text/event-stream`,
          );
        }
        const events = res.body
          .pipeThrough(new TextDecoderStream())
          .pipeThrough(new EventSourceParserStream({ onRetry: (ms) => void (base = ms) }));
        const reader = events.getReader();
        try {
          for (;;) {
            const r = await reader.read();
            if (r.done) break;
            const ev = r.value;
            if (ev.id !== undefined) lastId = ev.id;
            failures = 0;
            if (!wanted.has(ev.event ?? "message")) continue;
            let value: T;
            try {
              value = parse(ev.data, ev);
            } catch (error) {
              const e = new DecodeError(
                `Cannot parse SSE event${ev.id === undefined ? "" : ` ${JSON.stringify(ev.id)}`} from ${href}: ${
                  (error as Error)?.message ?? String(error)
                }`,
                { cause: error },
              );
              if (options.onInvalid === undefined) throw new Fatal(e.message, { cause: e });
              options.onInvalid(e, ev);
              continue;
            }
            yield lastId === undefined
              ? { type: "elements", values: [value] }
              : { type: "elements", values: [value], offset: lastId };
          }
        } finally {
          reader.cancel().catch(() => {});
        }
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof Fatal) throw error.cause instanceof DecodeError ? error.cause : error;
        cause = error;
      }
      // The stream ended or failed: reconnect, backing off while attempts keep failing.
      if (cause !== undefined && ++failures > maxAttempts) {
        throw new WeirError(
          `Cannot read SSE source ${href}: ${failures} connection attempts in a row failed, the last with: ${
            (cause as Error)?.message ?? String(cause)
          }`,
          { cause },
        );
      }
      const delay = Math.min(maxDelay, base * 2 ** Math.max(0, failures - 1));
      await sleep(delay / 2 + Math.random() * (delay / 2), signal);
    }
  }

  return {
    kind: "source",
    replayable: options.replayable ?? false,
    flushOnEnd: false,
    open({ offset, signal }) {
      if (offset !== undefined && typeof offset !== "string") {
        throw new TypeError(
          `Cannot open SSE source ${href} at offset ${String(offset)}: offsets are event ids (strings)`,
        );
      }
      const stop = new AbortController();
      const onAbort = () => stop.abort();
      signal?.addEventListener("abort", onAbort, { once: true });
      if (signal?.aborted) stop.abort();
      const it = read(offset ?? options.lastEventId, stop.signal);
      return {
        next: () => it.next(),
        // Aborting first ends a pending read, so the generator can finish and return() is not stuck behind it.
        return: async () => {
          stop.abort();
          signal?.removeEventListener("abort", onAbort);
          return await it.return(undefined);
        },
      };
    },
  };
}
