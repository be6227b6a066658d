/// <reference types="node" />
// jetStreamSource against a real nats-server (one node, started by the harness): replay from any offset
// is exact, messages are acknowledged only by commit, bad payloads go to onInvalid (or fail loudly), and
// an idle partition does not hold the watermark of the others back.
import { jetstream, type JetStreamClient, type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type AddressInfo, connect as connectTcp, createServer, type Socket } from "node:net";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import {
  jetStreamSource,
  type JetStreamSourceOptions,
  publishEvents,
  publishWatermark,
} from "../../adapters/nats/jetstream_source.ts";
import { combinedWatermark, PartitionState } from "../../adapters/nats/_source_partition.ts";
import { partitionOf, partitionSubject } from "../../adapters/nats/partition.ts";
import { count, type Source, type SourceEvent, stream, tumbling } from "../../mod.ts";
import { type NatsNode, startNats } from "./_nats_server.ts";

let server: NatsNode;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;

beforeAll(async () => {
  server = await startNats();
  nc = await connect({ servers: server.url });
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
}, 60_000);

afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

let streams = 0;
async function freshStream(): Promise<{ stream: string; prefix: string }> {
  const n = ++streams;
  await jsm.streams.add({ name: `S${n}`, subjects: [`s${n}.>`] });
  return { stream: `S${n}`, prefix: `s${n}` };
}

interface Ev {
  id: number;
  ts: number;
}

/** Reads `source` from `offset` until `n` elements came, then stops it; the elements with their chunk's offset. */
async function read<T>(source: Source<T>, offset: unknown, n: number): Promise<{ value: T; offset: unknown }[]> {
  const controller = new AbortController();
  const it = source.open({ offset, signal: controller.signal }) as AsyncIterator<SourceEvent<T>>;
  const out: { value: T; offset: unknown }[] = [];
  try {
    while (out.length < n) {
      const r = await it.next();
      if (r.done) throw new Error("the source ended");
      if (r.value.type === "elements") {
        for (const value of r.value.values) out.push({ value, offset: r.value.offset });
      }
    }
  } finally {
    controller.abort();
    await it.return?.();
  }
  return out;
}

test("jetStreamSource replays exactly what followed any offset it produced", async () => {
  const { stream: name, prefix } = await freshStream();
  const events: Ev[] = Array.from({ length: 300 }, (_, i) => ({ id: i, ts: i }));
  // One key, so every event is on the same partition; 4 partitions in all.
  const where = { prefix, job: "j", partitions: 4, key: () => "k" };
  expect(await publishEvents(js, where, events)).toEqual({ stored: 300, duplicates: 0 });
  const p = partitionOf("k", 4);
  const source = jetStreamSource<Ev>({ js, stream: name, prefix, job: "j", partitions: [p], maxChunk: 7 });
  const all = await read(source, undefined, 300);
  expect(all.map((e) => e.value)).toEqual(events);
  // Each chunk's offset is where the next chunk starts: resume from a sample of them.
  const offsets = [...new Map(all.map((e, i) => [JSON.stringify(e.offset), i])).entries()];
  expect(offsets.length).toBeGreaterThan(300 / 7 - 1);
  for (const [offset, lastIndex] of offsets.filter((_, i) => i % 9 === 0)) {
    const rest = await read(source, JSON.parse(offset), 299 - lastIndex);
    expect(rest.map((e) => e.value)).toEqual(events.slice(lastIndex + 1));
  }
  // The offset is the stream sequence of the last message read on the partition's subject.
  const subject = partitionSubject(prefix, "j", p);
  expect(all.at(-1)!.offset).toEqual({ [subject]: { seq: 300 } });
}, 60_000);

test("jetStreamSource acknowledges messages only when commit(offset) is called", async () => {
  const { stream: name } = await freshStream();
  const subject = `s${streams}.one`;
  for (let i = 0; i < 40; i++) await js.publish(subject, JSON.stringify({ id: i, ts: i }));
  const source = jetStreamSource<Ev>({ js, stream: name, subject, consumer: "acks", maxChunk: 10 });
  const controller = new AbortController();
  const it = source.open({ signal: controller.signal }) as AsyncIterator<SourceEvent<Ev>>;
  const offsets: unknown[] = [];
  let seen = 0;
  while (seen < 40) {
    const r = await it.next();
    if (!r.done && r.value.type === "elements") {
      seen += r.value.values.length;
      offsets.push(r.value.offset);
    }
  }
  const consumers: string[] = [];
  for await (const ci of jsm.consumers.list(name)) consumers.push(ci.name);
  expect(consumers).toEqual([expect.stringMatching(new RegExp(`^acks-s${streams}_one-`))]);
  const ackFloor = async () => (await jsm.consumers.info(name, consumers[0]!)).ack_floor.stream_seq;
  expect(await ackFloor()).toBe(0);
  const middle = offsets[1] as Record<string, { seq: number }>;
  await source.commit!(middle);
  await expect.poll(ackFloor).toBe(middle[subject]!.seq);
  await source.commit!(offsets.at(-1));
  await expect.poll(ackFloor).toBe(40);
  controller.abort();
  await it.return?.();
  // A consumer that had acknowledged everything does not decide where a replay starts: the offset does.
  expect((await read(source, { [subject]: { seq: 30 } }, 10)).map((e) => e.value.id)).toEqual(
    [30, 31, 32, 33, 34, 35, 36, 37, 38, 39],
  );
  expect((await read(source, undefined, 40)).length).toBe(40);
}, 60_000);

test(
  "a second open of a subject replaces the consumer: the first reader fails instead of sharing messages",
  async () => {
    const { stream: name } = await freshStream();
    const subject = `s${streams}.two`;
    for (let i = 0; i < 5; i++) await js.publish(subject, JSON.stringify({ id: i, ts: i }));
    const source = jetStreamSource<Ev>({ js, stream: name, subject });
    const first = source.open({}) as AsyncIterator<SourceEvent<Ev>>;
    expect((await first.next()).value).toMatchObject({ type: "elements" });
    const second = await read(source, { [subject]: { seq: 2 } }, 3);
    expect(second.map((e) => e.value.id)).toEqual([2, 3, 4]);
    await js.publish(subject, JSON.stringify({ id: 5, ts: 5 }));
    const error = await first.next().then(() => first.next()).catch((e) => e);
    expect(String(error)).toMatch(/consumer .* was deleted: another reader of the subject took over/);
    const names: string[] = [];
    for await (const ci of jsm.consumers.list(name)) names.push(ci.name);
    expect(names.length).toBe(1);
  },
  60_000,
);

/**
 * A TCP proxy to the test's nats-server that can lose deliveries in flight: once armed, it swallows the
 * next chunk the server sends that holds a JetStream delivery (its reply subject is $JS.ACK...), then cuts
 * the connection, as a node or network failure does. The server counts those messages as delivered.
 */
async function lossyProxy(target: string): Promise<{ url: string; armed: boolean; cuts: number; close(): void }> {
  const { port: targetPort } = new URL(target);
  const sockets = new Set<Socket>();
  const proxy = { url: "", armed: false, cuts: 0, close: () => {} };
  const server = createServer((client) => {
    const upstream = connectTcp(Number(targetPort), "127.0.0.1");
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.on("data", (chunk: Buffer) => {
      if (proxy.armed && chunk.includes("$JS.ACK")) {
        proxy.armed = false;
        proxy.cuts++;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `nats://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => {
    for (const s of sockets) s.destroy();
    server.close();
  };
  return proxy;
}

test("messages delivered to the source but lost in flight are read again: each once, in order", async () => {
  const { stream: name } = await freshStream();
  const subject = `s${streams}.lossy`;
  const proxy = await lossyProxy(server.url);
  const lossy = await connect({ servers: proxy.url, maxReconnectAttempts: -1, reconnectTimeWait: 50 });
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  const controller = new AbortController();
  try {
    const source = jetStreamSource<Ev>({ js: jetstream(lossy), stream: name, subject, maxChunk: 5 });
    const it = source.open({ signal: controller.signal }) as AsyncIterator<SourceEvent<Ev>>;
    const ids: number[] = [];
    // Reads until n ids came or 15 s passed (then the comparison below shows what is missing).
    let next: Promise<IteratorResult<SourceEvent<Ev>>> | null = null;
    const readUntil = async (n: number) => {
      const deadline = Date.now() + 15_000;
      while (ids.length < n) {
        next ??= it.next();
        const timer = new Promise<"timeout">((resolve) => setTimeout(resolve, deadline - Date.now(), "timeout"));
        const r = await Promise.race([next, timer]);
        if (r === "timeout") return;
        next = null;
        if (r.done) throw new Error("the source ended");
        if (r.value.type === "elements") ids.push(...r.value.values.map((e) => e.id));
      }
    };
    for (let i = 0; i < 20; i++) await js.publish(subject, JSON.stringify({ id: i, ts: i }));
    await readUntil(20);
    // The next deliveries are lost with the connection; the consumer goes on after them.
    proxy.armed = true;
    for (let i = 20; i < 40; i++) await js.publish(subject, JSON.stringify({ id: i, ts: i }));
    await expect.poll(() => proxy.cuts).toBe(1);
    for (let i = 40; i < 60; i++) await js.publish(subject, JSON.stringify({ id: i, ts: i }));
    await readUntil(60);
    expect(ids).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      new RegExp(
        `did not receive deliveries \\d+\\.\\.\\d+ of consumer weir-s${streams}_lossy-\\w+ on ${
          subject.replace(".", "\\.")
        } \\(lost in flight, or a consumer leader that fell behind\\): reading it again after sequence 20`,
      ),
    );
    controller.abort();
    await it.return?.();
  } finally {
    warn.mockRestore();
    await lossy.close();
    proxy.close();
  }
}, 60_000);

test("a source stopped with a backlog queued (its pump waiting for room) closes", async () => {
  const { stream: name } = await freshStream();
  const subject = `s${streams}.backlog`;
  for (let i = 0; i < 200; i++) await js.publish(subject, JSON.stringify({ id: i, ts: i }));
  // maxChunk 5: the queue holds 10 messages, so the pump waits for room after the first chunk.
  const source = jetStreamSource<Ev>({ js, stream: name, subject, maxChunk: 5 });
  const it = source.open({}) as AsyncIterator<SourceEvent<Ev>>;
  const first = await it.next();
  expect(first.value).toMatchObject({ type: "elements" });
  expect((first.value as { values: Ev[] }).values[0]).toEqual({ id: 0, ts: 0 });
  await new Promise((resolve) => setTimeout(resolve, 200)); // the pump fills the queue and waits
  const closed = await Promise.race([
    it.return!().then(() => "closed"),
    new Promise((resolve) => setTimeout(resolve, 5_000, "still waiting after 5 s")),
  ]);
  expect(closed).toBe("closed");
}, 30_000);

test("jetStreamSource hands bad payloads to onInvalid with their sequence, or fails naming it", async () => {
  const { stream: name } = await freshStream();
  const subject = `s${streams}.bad`;
  await js.publish(subject, JSON.stringify({ id: 0, ts: 0 }));
  await js.publish(subject, "{not json");
  await js.publish(subject, JSON.stringify({ id: 2 }));
  await js.publish(subject, JSON.stringify({ id: 3, ts: 3 }));
  const invalid: { payload: string; sequence: number; reason: string }[] = [];
  const options: JetStreamSourceOptions<Ev> = {
    js,
    stream: name,
    subject,
    eventTime: (e) => e.ts,
    onInvalid: (payload, { sequence, reason }) => invalid.push({ payload, sequence, reason }),
  };
  const good = await read(jetStreamSource(options), undefined, 2);
  expect(good.map((e) => e.value.id)).toEqual([0, 3]);
  expect(invalid.map((i) => [i.payload, i.sequence])).toEqual([["{not json", 2], ['{"id":2}', 3]]);
  expect(invalid[0]!.reason).toMatch(/^its payload is not JSON/);
  expect(invalid[1]!.reason).toBe("its event time is not a finite number (undefined)");
  const strict = jetStreamSource<Ev>({ ...options, onInvalid: undefined });
  const error = await read(strict, undefined, 2).catch((e) => e);
  expect(error).toBeInstanceOf(TypeError);
  expect(error.message).toMatch(
    new RegExp(`^Cannot read message 2 of ${subject.replace(".", "\\.")} in stream ${name} as its payload is not JSON`),
  );
}, 60_000);

test("jetStreamSource rejects bad options with what was wrong", () => {
  expect(() => jetStreamSource({ js, stream: "S", subject: "a", idleTimeout: 0 })).toThrow(
    new RangeError("Cannot create jetStreamSource as idleTimeout must be a number > 0: current value is 0"),
  );
  expect(() => jetStreamSource({ js, stream: "S", prefix: "a", job: "b", partitions: [1, 1] })).toThrow(
    /partitions must be a non-empty array of distinct partition indexes/,
  );
  expect(() => jetStreamSource({ js, stream: "S", subject: "a", partition: 1 } as never)).toThrow(/partition/);
  expect(() => jetStreamSource({ js, stream: "S", subject: "a", consumer: "a.b" })).toThrow(
    "Cannot create jetStreamSource as consumer must be letters, digits, - and _: current value is a.b",
  );
});

test("the source watermark is the minimum over partitions that are not idle, else the maximum", () => {
  //        partition:   a (W 5, silent 100 ms)   b (W 9, active)   c (W 2, pending messages)
  const a = new PartitionState("a", { seq: 1, maxEventTime: 5 }, 0);
  const b = new PartitionState("b", { seq: 1, maxEventTime: 9 }, 90);
  const c = new PartitionState("c", { seq: 1, maxEventTime: 2 }, 0);
  a.pending = 0;
  b.pending = 0;
  c.pending = 3;
  expect(combinedWatermark([a, b, c], 100, 0, Infinity)).toBe(2);
  expect(combinedWatermark([a, b], 100, 0, Infinity)).toBe(5);
  expect(combinedWatermark([a, b], 100, 0, 50)).toBe(9); // a is idle: b alone
  expect(combinedWatermark([a, b, c], 100, 0, 50)).toBe(2); // c has a backlog: never idle
  expect(combinedWatermark([a, b], 200, 1, 50)).toBe(8); // both idle: the most advanced
  b.marker = 20; // an in-band watermark
  expect(combinedWatermark([b], 100, 0, Infinity)).toBe(20);
  // The offset carries both, so that a restore combines as before; Infinity (the end) included.
  b.marker = Infinity;
  expect(b.position()).toEqual({ seq: 1, maxEventTime: 9, watermark: Infinity });
  expect(new PartitionState("b", b.position(), 0).watermark(0)).toBe(Infinity);
  expect(new PartitionState("c", { seq: 4 }, 0).position()).toEqual({ seq: 4 });
});

/** `fn()`, or a failure saying `where()` once `ms` passed without it settling. */
async function within<T>(ms: number, fn: () => Promise<T>, where: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms: ${where()}`)), ms);
  });
  try {
    return await Promise.race([fn(), late]);
  } finally {
    clearTimeout(timer);
  }
}

test("an idle partition does not stall the windows of the others; an in-band watermark closes them", async () => {
  const { stream: name, prefix } = await freshStream();
  // Partition 1 gets one event at 0 and then nothing; partition 0 runs on to 4 500.
  //   event time:  0        1 000     2 000     3 000     4 000     5 000
  //   p0:          x x x x x x x x x x x x x x x x x x x x x x x x x x x
  //   p1:          x
  //   windows:     [   0    )[  1000  )[  2000  )[  3000  )[  4000  )
  const where = { prefix, job: "idle", partitions: 2, key: (e: Ev & { p: number }) => e.p };
  const keysByPartition = [0, 1].map((p) => [...Array(50).keys()].find((k) => partitionOf(k, 2) === p)!);
  const events = [
    { id: -1, ts: 0, p: keysByPartition[1]! },
    ...Array.from({ length: 46 }, (_, i) => ({ id: i, ts: i * 100, p: keysByPartition[0]! })),
  ];
  await publishEvents(js, where, events);
  const job = (idleTimeout?: number) =>
    stream(jetStreamSource<Ev>({
      js,
      stream: name,
      prefix,
      job: "idle",
      partitions: [0, 1],
      consumer: idleTimeout === undefined ? "busy" : "idle",
      eventTime: (e) => e.ts,
      ...(idleTimeout === undefined ? {} : { idleTimeout }),
    })).window(tumbling(1_000)).aggregate(count());

  const controller = new AbortController();
  const run = job(200).run({ signal: controller.signal });
  const fired: [number, number][] = [];
  // (a run that hangs says where it stood, instead of timing the test out: it did once in CI)
  await within(20_000, async () => {
    for await (const r of run) {
      fired.push([r.window.start, r.value]);
      if (fired.length === 4) break;
    }
  }, () => `fired ${JSON.stringify(fired)}, stats ${JSON.stringify(run.stats())}`);
  controller.abort();
  // [0, 1 000) has p1's event too; [4 000, 5 000) waits for more of p0.
  expect(fired).toEqual([[0, 11], [1_000, 10], [2_000, 10], [3_000, 10]]);

  // Without idleness, p1 holds every window open until it says it is done.
  const controller2 = new AbortController();
  const held = job().run({ signal: controller2.signal });
  const results = (async () => {
    const out: [number, number][] = [];
    try {
      for await (const r of held) out.push([r.window.start, r.value]);
    } catch (e) {
      if (!controller2.signal.aborted) throw e;
    }
    return out;
  })();
  await expect.poll(() => held.stats().elementsIn).toBe(47);
  expect(held.stats().watermark).toBe(0);
  await publishWatermark(js, where, 5_000);
  await expect.poll(() => held.stats().watermark).toBe(5_000);
  await publishWatermark(js, { prefix, job: "idle", partitions: 2 }, Infinity);
  await expect.poll(() => held.stats().watermark).toBe(Infinity);
  controller2.abort();
  expect(await within(20_000, () => results, () => `stopping: stats ${JSON.stringify(held.stats())}`)).toEqual([
    [0, 11],
    [1_000, 10],
    [2_000, 10],
    [3_000, 10],
    [4_000, 6],
  ]);
}, 60_000);

test("resuming after messages the stream's retention removed warns, naming the subject and the lost range", async () => {
  // A stream that keeps only its last 10 messages: 30 published, a checkpoint at sequence 5.
  await jsm.streams.add({ name: "SHORT", subjects: ["short.>"], max_msgs: 10 });
  const where = { prefix: "short", job: "j", partitions: 1, key: () => "k" };
  await publishEvents(js, where, Array.from({ length: 30 }, (_, i) => ({ id: i, ts: i })));
  const source = jetStreamSource<Ev>({ js, stream: "SHORT", prefix: "short", job: "j", partitions: [0] });
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  try {
    const fresh = await read(source, undefined, 10);
    expect(warn).not.toHaveBeenCalled(); // a first run starts at whatever the stream holds
    expect(fresh[0]!.value.id).toBe(20);
    const position = { "short.j.0": { seq: 5 } };
    const resumed = await read(source, position, 10);
    expect(resumed.map((e) => e.value.id)).toEqual(Array.from({ length: 10 }, (_, i) => 20 + i));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(
      /resumes short\.j\.0 after sequence 5, but stream SHORT now starts at 21: messages 6\.\.20/,
    );
  } finally {
    warn.mockRestore();
  }
});
