// The results half of the HTTP contract: GET /results as Server-Sent Events (ids, Last-Event-ID,
// heartbeats, disconnects), GET /health and GET /metrics.
import { resultId } from "../../mod.ts";
import { assert, assertEquals } from "../_assert.ts";
import { type HonoCase, ndjson, post, withServed } from "./hono_fixture.ts";
import { readSse } from "./hono_sse_reader.ts";

export const resultsCases: HonoCase[] = [
  {
    name: "GET /results streams results as SSE with their result ids, and Last-Event-ID resumes after one",
    run: (serve) =>
      withServed(serve, {}, async (s, fx) => {
        // Windows of 10 ms: ts 25 moves the watermark past [0,10) and [10,20).
        await post(
          s,
          ndjson([{ country: "fr", ts: 1 }, { country: "de", ts: 2 }, { country: "fr", ts: 12 }, {
            country: "fr",
            ts: 25,
          }]),
        );
        const all = await readSse(await s.fetch("/results"), (evs) =>
          evs.filter((e) => e.event === "result").length >= 3);
        const results = all.filter((e) =>
          e.event === "result"
        );
        const parsed = results.map((e) =>
          JSON.parse(e.data) as {
            key: string;
            window: { start: number; end: number };
            value: number;
            pane: { index: number };
          }
        );
        assertEquals(parsed.map((r) => [r.key, r.window.start, r.value]).sort(), [["de", 0, 1], ["fr", 0, 1], [
          "fr",
          10,
          1,
        ]]);
        assertEquals(results.map((e) => e.id), parsed.map((r) => resultId("views", r)));
        const resumed = await readSse(
          await s.fetch("/results", { headers: { "last-event-id": results[0]!.id! } }),
          (evs) => evs.filter((e) => e.event === "result").length >= 2,
        );
        assertEquals(resumed.filter((e) => e.event === "result").map((e) => e.id), results.slice(1).map((e) => e.id));
        const byQuery = await readSse(
          await s.fetch(`/results?lastEventId=${encodeURIComponent(results[1]!.id!)}`),
          (evs) => evs.some((e) => e.event === "result"),
        );
        assertEquals(byQuery.filter((e) => e.event === "result").map((e) => e.id), [results[2]!.id]);
        assertEquals(fx.job.stats().state, "running");
      }),
  },
  {
    name: "an unknown Last-Event-ID gets a gap event, then every buffered result",
    run: (serve) =>
      withServed(serve, {}, async (s) => {
        await post(s, ndjson([{ country: "fr", ts: 1 }, { country: "fr", ts: 30 }]));
        const evs = await readSse(
          await s.fetch("/results", { headers: { "last-event-id": "views/sxx/0/10/0" } }),
          (e) => e.some((x) => x.event === "result"),
        );
        assertEquals(evs[0]!.event, "gap");
        assertEquals(evs.filter((e) => e.event === "result").length, 1);
      }),
  },
  {
    name: "an idle result stream carries heartbeat comments and stats events",
    run: (serve) =>
      withServed(serve, { heartbeatMs: 5, statsMs: 20 }, async (s) => {
        await post(s, ndjson([{ country: "fr", ts: 1 }]));
        const res = await s.fetch("/results");
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        let text = "";
        while (!(text.includes(": heartbeat\n\n") && text.includes("event: stats\n"))) {
          const r = await reader.read();
          if (r.done) throw new Error(`stream ended: ${text}`);
          text += r.value;
        }
        await reader.cancel();
        assert(text.startsWith("retry: 1000\n\n"), "the stream starts with a reconnection delay");
        const stats = JSON.parse(/event: stats\ndata: (.*)\n/.exec(text)![1]!) as {
          job: { eventsIn: number };
          ingest: { acceptedEvents: number };
        };
        assertEquals(stats.ingest.acceptedEvents, 1);
      }),
  },
  {
    name: "a stopped job's GET /results is a stream that ends with event: stopped and a retry delay, not an error",
    run: (serve) =>
      withServed(serve, { retryMs: 250 }, async (s, fx) => {
        await fx.job.stop();
        // An EventSource gives up for good on any status but 200: this one reconnects (to a restarted server).
        const res = await s.fetch("/results");
        assertEquals(res.status, 200);
        const text = await res.text();
        assert(text.startsWith("retry: 250\n\n"), `the stream starts with a reconnection delay: ${text}`);
        assert(text.includes("event: stopped\n"), `the stream says the job stopped: ${text}`);
      }),
  },
  {
    name: "a client that disconnects releases its subscription",
    run: (serve) =>
      withServed(serve, {}, async (s, fx) => {
        const res = await s.fetch("/results");
        await readSse(res, (evs) => evs.length >= 0, { cancel: false, maxEvents: 0 });
        assertEquals(fx.job.feed.subscribers, 1);
        await res.body!.cancel();
        for (let i = 0; i < 200 && fx.job.feed.subscribers > 0; i++) await new Promise((r) => setTimeout(r, 10));
        assertEquals(fx.job.feed.subscribers, 0);
      }),
  },
  {
    name: "GET /health and GET /metrics report the log and the job",
    run: (serve) =>
      withServed(serve, {}, async (s) => {
        await post(s, ndjson([{ country: "fr", ts: 1 }, { country: "fr", ts: 2 }]));
        await post(s, ndjson([{ country: "fr" }]));
        const health = await s.fetch("/health");
        assertEquals(health.status, 200);
        const h = await health.json() as { status: string; log: { next: number } };
        assertEquals([h.status, h.log.next], ["ok", 2]);
        const metrics = await s.fetch("/metrics");
        assert(metrics.headers.get("content-type")?.startsWith("text/plain"), "Prometheus content type");
        const text = await metrics.text();
        for (
          const line of [
            "weir_events_accepted_total 2",
            "weir_events_rejected_total 1",
            'weir_batches_rejected_total{reason="invalid"} 1',
            "# TYPE weir_late_events_total counter",
            "# TYPE weir_open_windows gauge",
            "weir_watermark_lag_seconds",
          ]
        ) {
          assert(text.includes(line), `metrics include ${JSON.stringify(line)}`);
        }
      }),
  },
];
