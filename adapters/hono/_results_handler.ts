// GET /results: window results as Server-Sent Events. Each result is `event: result` with `id:` its
// deterministic result id; a client reconnecting with Last-Event-ID resumes right after it (from the
// feed's replay window, which a checkpointed LiveJob keeps across restarts). Between results the stream carries `event: stats` (watermark, late events,
// ...) and comment heartbeats. A disconnect closes the subscription at once.
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { ResultFeed } from "../../src/live/mod.ts";

export interface ResultsConfig {
  feed: ResultFeed;
  heartbeatMs: number;
  statsMs: number;
  retryMs: number;
  stats: () => unknown;
}

/** Results written per wake-up before checking for heartbeats and disconnects again. */
const BURST = 256;

export function resultsHandler(cfg: ResultsConfig): (c: Context) => Response | Promise<Response> {
  return (c) => {
    const { feed } = cfg;
    const lastEventId = c.req.header("last-event-id") ?? c.req.query("lastEventId");
    return streamSSE(c, async (sse) => {
      // A job restoring its stored results: ids from before a restart resolve only once they are in.
      await feed.ready;
      if (feed.closed) {
        // Not a 503: a browser's EventSource gives up for good on any status but 200, while a stopped
        // job is usually a server about to restart. An ended stream makes it reconnect after `retry`.
        await sse.write(`retry: ${cfg.retryMs}\n\n`);
        await sse.writeSSE({
          event: "stopped",
          data: JSON.stringify({ reason: "The job has stopped: no more results" }),
        });
        return;
      }
      const sub = feed.subscribe(lastEventId);
      // A client disconnect cancels the response stream (on every runtime), which aborts `sse`.
      sse.onAbort(() => sub.close());
      try {
        let lastWrite = Date.now();
        let nextStats = cfg.statsMs > 0 ? lastWrite : Infinity;
        await sse.write(`retry: ${cfg.retryMs}\n\n`);
        if (sub.gap) {
          await sse.writeSSE({
            event: "gap",
            data: JSON.stringify({
              lastEventId,
              reason: "Last-Event-ID is not in the replay window (older than its retention, or unknown): " +
                "resending every result in it",
            }),
          });
        }
        while (!sub.closed && !sse.aborted) {
          const items = sub.take(BURST);
          if (sub.missed > 0) {
            await sse.writeSSE({
              event: "gap",
              data: JSON.stringify({ missed: sub.missed, reason: "the client fell behind the replay window" }),
            });
            sub.missed = 0;
          }
          for (const item of items) await sse.writeSSE({ id: item.id, event: "result", data: item.data });
          let now = Date.now();
          if (items.length > 0) lastWrite = now;
          if (now >= nextStats) {
            await sse.writeSSE({ event: "stats", data: JSON.stringify(cfg.stats()) });
            nextStats = now + cfg.statsMs;
            lastWrite = now;
          } else if (now - lastWrite >= cfg.heartbeatMs) {
            await sse.write(": heartbeat\n\n");
            lastWrite = now;
          }
          if (items.length === BURST) continue;
          now = Date.now();
          await sub.wait(Math.max(1, Math.min(nextStats, lastWrite + cfg.heartbeatMs) - now));
        }
      } finally {
        sub.close();
      }
    });
  };
}
