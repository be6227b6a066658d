// The fixture of the HTTP contract of adapters/hono (see hono_contract.ts): a served app over a memory
// store, and helpers to post batches and to check that a refused batch changed nothing.
import type { Hono } from "hono";
import { count, MemoryStateStore, tumbling, type WindowResult } from "../../mod.ts";
import {
  createWeirApp,
  IngestLog,
  LiveJob,
  type StandardSchemaV1,
  type WeirAppOptions,
} from "../../adapters/hono/mod.ts";
import { assert, assertEquals } from "../_assert.ts";

export interface View {
  country: string;
  ts: number;
  [k: string]: unknown;
}

/** A client of a served app; `close` stops the server. */
export interface Served {
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}
export type Serve = (app: Hono) => Promise<Served>;

export interface HonoCase {
  name: string;
  run(serve: Serve): Promise<void>;
}

export const TOKEN = "t0ken-for-tests";

/** A hand-written Standard Schema, asynchronous on purpose: the app must await it. */
export const viewSchema: StandardSchemaV1<unknown, View> = {
  "~standard": {
    version: 1,
    vendor: "weir-tests",
    validate: (v) => {
      const e = v as Record<string, unknown> | null;
      const issues: { message: string; path: string[] }[] = [];
      if (typeof e !== "object" || e === null) {
        return Promise.resolve({ issues: [{ message: "an event must be an object" }] });
      }
      if (typeof e.country !== "string") issues.push({ message: "must be a string", path: ["country"] });
      else if (e.country.length !== 2) issues.push({ message: "must be a 2-letter code", path: ["country"] });
      return Promise.resolve(issues.length > 0 ? { issues } : { value: e as View });
    },
  },
};

export interface Fixture {
  store: MemoryStateStore;
  log: IngestLog;
  job: LiveJob<View, WindowResult<string, number>>;
  app: Hono;
  /** Every stored key and value, to prove a refused batch changed nothing. */
  snapshot(): Promise<Record<string, string>>;
  dispose(): Promise<void>;
}

export async function fixture(options: Partial<WeirAppOptions<View>> & { start?: boolean } = {}): Promise<Fixture> {
  const store = new MemoryStateStore();
  const log = await IngestLog.open<View>(store, { name: "views" });
  const job = new LiveJob({
    id: "views",
    source: log,
    eventTime: (e: View) => e.ts,
    maxOutOfOrderness: 0,
    pipeline: (events, { onLate }) =>
      events.keyBy((e) => e.country).window(tumbling(10), { onLate }).aggregate(count()),
  });
  const { start = true, ...rest } = options;
  const app = createWeirApp<View>({
    log,
    job,
    schema: viewSchema,
    token: TOKEN,
    maxBodyBytes: 4096,
    statsMs: 0,
    // The contract's events have small times (ts 1, 12, 25 fall in windows of 10 ms); the default
    // window of accepted times is tried in hono_hostile_cases.ts.
    minEventTime: 0,
    ...rest,
  });
  if (start) job.start();
  const decoder = new TextDecoder();
  return {
    store,
    log,
    job,
    app,
    async snapshot() {
      const out: Record<string, string> = {};
      for (const k of await store.list("")) out[k] = decoder.decode(await store.get(k));
      return out;
    },
    async dispose() {
      await job.stop();
      await log.close();
    },
  };
}

export const auth = { authorization: `Bearer ${TOKEN}` };
export const NDJSON = { "content-type": "application/x-ndjson", ...auth };
export const JSON_TYPE = { "content-type": "application/json", ...auth };

export function post(s: Served, body: BodyInit, headers: Record<string, string> = NDJSON): Promise<Response> {
  const init: RequestInit & { duplex?: "half" } = { method: "POST", headers, body };
  if (body instanceof ReadableStream) init.duplex = "half";
  return s.fetch("/events", init);
}

export function ndjson(events: unknown[]): string {
  return events.map((e) => JSON.stringify(e)).join("\n") + "\n";
}

export async function withServed(
  serve: Serve,
  options: Parameters<typeof fixture>[0],
  body: (s: Served, fx: Fixture) => Promise<void>,
): Promise<void> {
  const fx = await fixture(options);
  const served = await serve(fx.app);
  try {
    await body(served, fx);
  } finally {
    await served.close();
    await fx.dispose();
  }
}

/** Sends a bad request and checks its status, that the message includes `includes`, and that nothing was stored. */
export async function refused(
  serve: Serve,
  req: (s: Served) => Promise<Response>,
  status: number,
  includes: string,
  options: Parameters<typeof fixture>[0] = {},
): Promise<Record<string, unknown>> {
  let body: Record<string, unknown> = {};
  await withServed(serve, options, async (s, fx) => {
    const ok = await post(s, ndjson([{ country: "fr", ts: Date.UTC(2020, 0, 1) }]));
    assertEquals(ok.status, 202, "setup batch");
    await ok.body?.cancel();
    const before = await fx.snapshot();
    const res = await req(s);
    body = await res.json() as Record<string, unknown>;
    assertEquals(res.status, status, `status (body ${JSON.stringify(body)})`);
    assert(
      typeof body.error === "string" && body.error.includes(includes),
      `expected error to include ${JSON.stringify(includes)}, got ${JSON.stringify(body.error)}`,
    );
    assertEquals(await fx.snapshot(), before, "stored data after a refused batch");
    assertEquals(fx.log.next, 1, "log end after a refused batch");
    if (status === 429) assertEquals(res.headers.get("retry-after"), "1");
    if (status === 401) assert(res.headers.get("www-authenticate")?.startsWith("Bearer"), "WWW-Authenticate header");
  });
  return body;
}

/** A body that arrives in pieces, without Content-Length. */
export function chunked(parts: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < parts.length) c.enqueue(enc.encode(parts[i++]!));
      else c.close();
    },
  });
}
