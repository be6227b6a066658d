// sseSource against real HTTP servers on 127.0.0.1: a scripted Hono SSE server (drops, errors, 204)
// and a weir app's own GET /results.
/// <reference types="node" />
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { count, DecodeError, type SourceEvent, stream, sum, tumbling } from "../../mod.ts";
import { sseSource } from "../../adapters/sse/mod.ts";
import { fixture } from "../contract/hono_contract.ts";

const servers: ReturnType<typeof serve>[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    (s as unknown as { closeAllConnections(): void }).closeAllConnections();
    await new Promise((r) => s.close(() => r(undefined)));
  }
});

async function listen(app: Hono): Promise<string> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Serves events 1..total with ids "e<n>"; each connection sends at most `perConnection` and then drops. */
function scripted(total: number, perConnection: number, seen: (string | undefined)[]): Hono {
  const app = new Hono();
  app.get("/feed", (c) => {
    const last = c.req.header("last-event-id");
    seen.push(last);
    const from = last === undefined ? 1 : Number(last.slice(1)) + 1;
    if (from > total) return c.body(null, 204);
    return streamSSE(c, async (s) => {
      await s.write(": hello\n\n");
      for (let n = from; n < from + perConnection && n <= total; n++) {
        await s.writeSSE({ id: `e${n}`, data: JSON.stringify({ n }) });
        await s.writeSSE({ event: "noise", data: "ignored" });
      }
    });
  });
  return app;
}

async function drain<T>(it: AsyncIterator<SourceEvent<T>>, max = Infinity): Promise<SourceEvent<T>[]> {
  const out: SourceEvent<T>[] = [];
  while (out.length < max) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

describe("sseSource", () => {
  test("reconnects after each drop with Last-Event-ID and reads every event once; a 204 ends it", async () => {
    const seen: (string | undefined)[] = [];
    const base = await listen(scripted(7, 3, seen));
    const source = sseSource<{ n: number }>(`${base}/feed`, { initialDelayMs: 1, replayable: true });
    const events = await drain(source.open({}) as AsyncIterator<SourceEvent<{ n: number }>>);
    expect(events.map((e) => e.type === "elements" && e.values[0]!.n)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(events.map((e) => e.type === "elements" && e.offset)).toEqual(["e1", "e2", "e3", "e4", "e5", "e6", "e7"]);
    expect(seen).toEqual([undefined, "e3", "e6", "e7"]);
    expect(source.replayable).toBe(true);
  });

  test("opening at an offset resumes after that event id", async () => {
    const seen: (string | undefined)[] = [];
    const base = await listen(scripted(4, 10, seen));
    const events = await drain(
      sseSource<{ n: number }>(`${base}/feed`, { initialDelayMs: 1 }).open({ offset: "e2" }) as AsyncIterator<
        SourceEvent<{ n: number }>
      >,
    );
    expect(events.map((e) => e.type === "elements" && e.values[0]!.n)).toEqual([3, 4]);
    expect(seen[0]).toBe("e2");
  });

  test("retries 503 answers with backoff and fails after maxAttempts failures in a row", async () => {
    let calls = 0;
    const app = new Hono();
    app.get(
      "/flaky",
      (c) => (++calls <= 2 ? c.text("busy", 503) : streamSSE(c, (s) => s.writeSSE({ id: "x1", data: "1" }))),
    );
    app.get("/down", (c) => c.text("busy", 503));
    const base = await listen(app);
    const it = sseSource<number>(`${base}/flaky`, { initialDelayMs: 1 }).open({});
    expect((await it.next()).value).toEqual({ type: "elements", values: [1], offset: "x1" });
    expect(calls).toBe(3);
    await it.return?.();
    const down = sseSource(`${base}/down`, { initialDelayMs: 1, maxAttempts: 2 }).open({});
    await expect(down.next()).rejects.toThrow(/3 connection attempts in a row failed, the last with: .*503/);
  });

  test("a 404 or a response that is not an event stream fails at once", async () => {
    const app = new Hono();
    app.get("/json", (c) => c.json({ no: "sse" }));
    const base = await listen(app);
    await expect(sseSource(`${base}/missing`, { initialDelayMs: 1 }).open({}).next()).rejects.toThrow(/answered 404/);
    await expect(sseSource(`${base}/json`, { initialDelayMs: 1 }).open({}).next()).rejects.toThrow(
      /not text\/event-stream/,
    );
  });

  test("an event that does not parse fails the source with a DecodeError, or goes to onInvalid", async () => {
    const app = new Hono();
    app.get("/bad", (c) =>
      streamSSE(c, async (s) => {
        await s.writeSSE({ id: "1", data: "{oops" });
        await s.writeSSE({ id: "2", data: "2" });
      }));
    const base = await listen(app);
    await expect(sseSource(`${base}/bad`).open({}).next()).rejects.toThrow(DecodeError);
    const invalid: string[] = [];
    const it = sseSource<number>(`${base}/bad`, { onInvalid: (e, ev) => void invalid.push(`${ev.id}: ${e.message}`) })
      .open({});
    expect((await it.next()).value).toEqual({ type: "elements", values: [2], offset: "2" });
    expect(invalid).toHaveLength(1);
    expect(invalid[0]).toMatch(/^1: Cannot parse SSE event "1"/);
    await it.return?.();
  });

  test("return() ends a source that is waiting for the next event", async () => {
    const app = new Hono();
    app.get("/quiet", (c) =>
      streamSSE(c, async (s) => {
        await s.writeSSE({ id: "1", data: "1" });
        await new Promise<void>((resolve) => s.onAbort(resolve));
      }));
    const base = await listen(app);
    const it = sseSource<number>(`${base}/quiet`).open({});
    await it.next();
    const waiting = it.next();
    await it.return?.();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(() => sseSource(base).open({ offset: 3 })).toThrow(TypeError);
    expect(() => sseSource(base, { maxDelayMs: -1 })).toThrow(RangeError);
  });

  test("a job ingests another weir server's results feed", async () => {
    const fx = await fixture({});
    const base = await listen(fx.app);
    const post = (body: string) =>
      fetch(`${base}/events`, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson", authorization: "Bearer t0ken-for-tests" },
        body,
      });
    // Upstream windows are 10 ms: ts 300 fires [0,10) fr and de, [10,20) fr, [40,50) fr and [250,260) fr.
    expect(
      (await post(
        '{"country":"fr","ts":1}\n{"country":"fr","ts":2}\n{"country":"de","ts":3}\n{"country":"fr","ts":15}\n{"country":"fr","ts":40}\n{"country":"fr","ts":250}\n{"country":"fr","ts":300}\n',
      )).status,
    ).toBe(202);
    type R = { key: string; value: number; timestamp: number };
    const upstream = sseSource<R>(`${base}/results`, { events: ["result"], replayable: true });
    // Downstream: how many upstream results (and events) fall in each 100 ms of event time.
    const totals = stream(upstream)
      .withEventTime((r) => r.timestamp, { maxOutOfOrderness: 0 })
      .window(tumbling(100))
      .aggregate({ results: count(), events: sum((r) => r.value) });
    const reader = totals.toReadableStream().getReader();
    const first = await reader.read();
    expect(first.value).toMatchObject({ window: { start: 0, end: 100 }, value: { results: 4, events: 5 } });
    await reader.cancel();
    await fx.dispose();
  });
});
