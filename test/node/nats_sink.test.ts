// jetStreamSink against a real nats-server: every result once in the stream with Nats-Msg-Id =
// resultId(job, result), replays dropped as duplicates (a checkpointed job stopped and restarted from its
// checkpoint), clear errors, checked options.
import { spawn } from "node:child_process";
import { once } from "node:events";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import { jetstream, type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { count, MemoryStateStore, resultId, stream, tumbling, WeirError, type WindowResult } from "../../mod.ts";
import { jetStreamSink } from "../../adapters/nats/mod.ts";
import { arraySource, stopAfter, untilStopped } from "../scenarios/_checkpoint_helpers.ts";
import { crashEvents, crashPipeline } from "../fixtures/crash_job.ts";
import { type NatsNode, startNats } from "./_nats_server.ts";
import { SINK_CRASH_EVENTS } from "./_nats_sink_crash_child.ts";

let server: NatsNode;
let nc: NatsConnection;
let jsm: JetStreamManager;

beforeAll(async () => {
  server = await startNats();
  nc = await connect({ servers: server.url });
  jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: "results", subjects: ["results.>"] }); // duplicate_window: 2 min (default)
}, 30_000);

afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

/** The messages of `subject` in stream order: id header and decoded body. */
async function stored(subject: string): Promise<Array<{ id: string; result: WindowResult }>> {
  const out: Array<{ id: string; result: WindowResult }> = [];
  const info = await jsm.streams.info("results", { subjects_filter: subject });
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage("results", { seq }).catch(() => null);
    if (m === null || m.subject !== subject) continue;
    out.push({ id: m.header.get("Nats-Msg-Id"), result: m.json<WindowResult>() });
  }
  return out;
}

const clicks = [
  { user: "a", ts: 1 },
  { user: "b", ts: 2 },
  { user: "a", ts: 3 },
  { user: "a", ts: 12 },
  { user: "c", ts: 25 },
];
const perUser = () =>
  stream(clicks).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).keyBy((e) => e.user).window(tumbling(10))
    .aggregate(count());

describe("jetStreamSink()", () => {
  test("publishes each result as JSON with Nats-Msg-Id = resultId, in order; a replay stores nothing", async () => {
    const expected = await perUser().toArray();
    const sink = jetStreamSink({ js: jetstream(nc), subject: "results.clicks", job: "clicks" });
    await perUser().pipeTo(sink);
    expect([sink.published, sink.duplicates]).toEqual([expected.length, 0]);
    const first = await stored("results.clicks");
    expect(first.map((m) => m.result)).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(first.map((m) => m.id)).toEqual(expected.map((r) => resultId("clicks", r)));
    expect(first[0]!.id).toBe("clicks/sa/0/10/0");

    const replay = jetStreamSink({ js: jetstream(nc), subject: "results.clicks", job: "clicks", maxInFlight: 1 });
    await perUser().pipeTo(replay);
    expect([replay.published, replay.duplicates]).toEqual([0, expected.length]);
    expect(await stored("results.clicks")).toEqual(first);
  });

  test(
    "a checkpointed job stopped mid-run and restarted from its checkpoint leaves each result once in the stream",
    async () => {
      const events = crashEvents(4_000, 11);
      const expected = await crashPipeline(arraySource(events, 40)).toArray();
      const store = new MemoryStateStore();
      const job = (source: ReturnType<typeof arraySource<(typeof events)[number]>>) =>
        crashPipeline(source).checkpoint({ store, id: "sinkjob", every: { events: 600 } });
      const sinks = [];
      // Three runs: stopped after 30 and 70 steps (each after a checkpoint, with results published since),
      // then to the end. Each restart replays from the last checkpoint and re-emits what followed it.
      for (const steps of [30, 70, Infinity]) {
        const controller = new AbortController();
        const source = steps === Infinity
          ? arraySource(events, 40)
          : stopAfter(arraySource(events, 40), steps, controller);
        const sink = jetStreamSink({ js: jetstream(nc), subject: "results.ckpt", job: "sinkjob" });
        sinks.push(sink);
        await untilStopped(job(source).pipeTo(sink, { signal: controller.signal }), controller);
      }
      const inStream = await stored("results.ckpt");
      expect(inStream.length).toBe(expected.length);
      expect(inStream.map((m) => m.id).sort()).toEqual(expected.map((r) => resultId("sinkjob", r)).sort());
      const byId = new Map(expected.map((r) => [resultId("sinkjob", r), JSON.parse(JSON.stringify(r))]));
      for (const m of inStream) expect(m.result).toEqual(byId.get(m.id));
      // The restarts did publish results again, and JetStream dropped them.
      expect(sinks[1]!.duplicates + sinks[2]!.duplicates).toBeGreaterThan(0);
      expect(sinks.reduce((n, s) => n + s.published, 0)).toBe(expected.length);
    },
    60_000,
  );

  test("a publish no stream captures errors the pipe with the result id and subject", async () => {
    const sink = jetStreamSink({ js: jetstream(nc, { timeout: 2_000 }), subject: "nostream.clicks", job: "clicks" });
    const error = await perUser().pipeTo(sink).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeirError);
    expect((error as Error).message).toMatch(/^Cannot publish result clicks\/sa\/0\/10\/0 to nostream\.clicks: /);
  }, 30_000);

  test("a subject function routes each result", async () => {
    const sink = jetStreamSink({
      js: jetstream(nc),
      subject: (r) => `results.by-user.${String(r.key)}`,
      job: "routed",
    });
    await perUser().pipeTo(sink);
    expect((await stored("results.by-user.a")).map((m) => m.result.value)).toEqual([2, 1]);
    expect((await stored("results.by-user.c")).map((m) => m.id)).toEqual(["routed/sc/20/30/0"]);
  });

  test("options are checked", () => {
    const js = jetstream(nc);
    expect(() => jetStreamSink({ js, subject: "results.x", job: "j", maxInflight: 3 } as never)).toThrow(
      'Cannot create JetStream sink as "maxInflight" is not an option (did you mean "maxInFlight"?)',
    );
    expect(() => jetStreamSink({ js, subject: "results.*", job: "j" })).toThrow(
      'Cannot create JetStream sink as subject must be dot-separated tokens without whitespace, * or >: current value is "results.*"',
    );
    expect(() => jetStreamSink({ js, subject: "results.x", job: "" })).toThrow(TypeError);
    expect(() => jetStreamSink({ js, subject: "results.x", job: "j", maxInFlight: 0 })).toThrow(RangeError);
    expect(() => jetStreamSink({ js: {} as never, subject: "results.x", job: "j" })).toThrow(TypeError);
  });
});

describe("jetStreamSink() across process kills", () => {
  const CHILD = fileURLToPath(new URL("./_nats_sink_crash_child.ts", import.meta.url));

  test(
    "a checkpointed job SIGKILLed again and again, restarted each time, publishes each result exactly once",
    async () => {
      const expected = await crashPipeline(arraySource(SINK_CRASH_EVENTS, 40)).toArray();
      let x = 0xc0ffee;
      const next = () => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return x >>> 0;
      };
      let kills = 0;
      let last = "";
      for (;;) {
        const child = spawn(process.execPath, ["--import", "tsx", CHILD, server.url], {
          stdio: ["ignore", "pipe", "pipe"],
        });
        const exited = once(child, "exit");
        let out = "";
        let err = "";
        child.stderr!.on("data", (d) => (err += String(d)));
        await new Promise<void>((resolve, reject) => {
          child.stdout!.on("data", (d) => {
            out += String(d);
            if (out.includes("started\n")) resolve();
          });
          child.once("exit", (code) => reject(new Error(`child exited (${code}) before starting:\n${err}`)));
        });
        // A whole run takes about 3 s; each restart goes on from the last checkpoint (every 100 ms).
        if (kills < 6) await new Promise((resolve) => setTimeout(resolve, 150 + (next() % 400)));
        if (kills < 6 && !out.includes("done")) {
          child.kill("SIGKILL");
          await exited;
          kills++;
          continue;
        }
        const [code] = await exited;
        expect(code, err).toBe(0);
        last = out.split("\n").find((l) => l.startsWith("done ")) ?? "";
        break;
      }
      expect(kills).toBeGreaterThanOrEqual(3);
      const inStream = await stored("results.sinkcrash");
      expect(inStream.length).toBe(expected.length);
      const byId = new Map(expected.map((r) => [resultId("sinkcrash", r), JSON.parse(JSON.stringify(r))]));
      expect(new Set(inStream.map((m) => m.id)).size).toBe(expected.length);
      for (const m of inStream) expect(m.result, m.id).toEqual(byId.get(m.id));
      console.log(`jetStreamSink across ${kills} kills: the last run's published and duplicates: ${last}`);
    },
    120_000,
  );
});
