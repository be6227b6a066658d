/// <reference types="node" />
// Streamed input vs an array: W1 (tumbling 10 s, 1,000 keys, count + sum) over the same events
// given to `stream()` as an array, as a ReadableStream of one event per chunk (its queue filled by
// the producer, as a network body or a decoder fills it), as a ReadableStream pulled one event at a
// time (ReadableStream.from over a generator), as an async generator yielding one event at a time,
// and through `WindowStream` via pipeThrough. Each streamed variant has a floor: the identical input
// drained with no weir at all (a reader loop, `for await`, or pipeTo into a WritableStream that only
// counts), which is what the runtime's own streams cost. "floor+array" compares with the floor's time
// plus the array run's: what weir would take if reading the stream and windowing cost nothing more
// together than apart. Variants and floors are interleaved in every rep; the ratios, measured in the
// same process, are what to compare.
//
// Run: npx tsx bench/streamed_input.ts [--events 1000000] [--reps 5]
//      node_modules/.bin/deno run -A bench/streamed_input.ts, bun bench/streamed_input.ts
import { count, stream, sum, tumbling, WindowStream } from "../mod.ts";
import { type BenchEvent, intArg, materialize, uniformEvents } from "./_data.ts";

const N = intArg("events", 1_000_000);
const REPS = intArg("reps", 5);
const BOUND = 2_000;

type Tally = { windows: number; count: number };

async function viaStream(input: Parameters<typeof stream<BenchEvent>>[0]): Promise<Tally> {
  const t: Tally = { windows: 0, count: 0 };
  const results = stream(input)
    .withEventTime((e) => e.ts, { maxOutOfOrderness: BOUND })
    .keyBy((e) => e.key)
    .window(tumbling(10_000))
    .aggregate({ n: count(), total: sum((e: BenchEvent) => e.value) });
  for await (const r of results) {
    t.windows++;
    t.count += r.value.n;
  }
  return t;
}

/** One event per chunk; the producer enqueues as long as the queue has room (highWaterMark 1024). */
function queuedReadable(events: readonly BenchEvent[]): ReadableStream<BenchEvent> {
  let i = 0;
  return new ReadableStream<BenchEvent>({
    pull(controller) {
      while (i < events.length && (controller.desiredSize ?? 0) > 0) controller.enqueue(events[i++]!);
      if (i === events.length) controller.close();
    },
  }, { highWaterMark: 1024 });
}

/** One event per chunk, produced only when asked for (highWaterMark 0 via ReadableStream.from). */
function pulledReadable(events: readonly BenchEvent[]): ReadableStream<BenchEvent> {
  return (ReadableStream as unknown as { from<T>(it: Iterable<T>): ReadableStream<T> }).from(events);
}

async function* oneAtATime(events: readonly BenchEvent[]): AsyncGenerator<BenchEvent> {
  for (const e of events) yield e;
}

async function viaWindowStream(events: readonly BenchEvent[]): Promise<Tally> {
  const t: Tally = { windows: 0, count: 0 };
  const results = queuedReadable(events).pipeThrough(
    new WindowStream({
      eventTime: (e: BenchEvent) => e.ts,
      maxOutOfOrderness: BOUND,
      key: (e: BenchEvent) => e.key,
      window: tumbling(10_000),
      aggregate: { n: count(), total: sum((e: BenchEvent) => e.value) },
    }),
  );
  for await (const r of results) {
    t.windows++;
    t.count += r.value.n;
  }
  return t;
}

/** The floors: the same input read to its end with nothing but a tally of the events. */
async function drainReader(readable: ReadableStream<BenchEvent>): Promise<Tally> {
  const reader = readable.getReader();
  let n = 0;
  for (let r = await reader.read(); !r.done; r = await reader.read()) n += r.value.value >= 0 ? 1 : 0;
  return { windows: -1, count: n };
}

async function drainIterable(items: AsyncIterable<BenchEvent>): Promise<Tally> {
  let n = 0;
  for await (const e of items) n += e.value >= 0 ? 1 : 0;
  return { windows: -1, count: n };
}

/** What pipeThrough into any writable side costs at least: pipeTo into a sink that only counts. */
async function drainPipeTo(readable: ReadableStream<BenchEvent>): Promise<Tally> {
  let n = 0;
  await readable.pipeTo(new WritableStream({ write: (e) => void (n += e.value >= 0 ? 1 : 0) }));
  return { windows: -1, count: n };
}

type Run = (events: readonly BenchEvent[]) => Promise<Tally>;
const variants: { name: string; run: Run; floor?: { name: string; run: Run } }[] = [
  { name: "array", run: (events) => viaStream(events) },
  {
    name: "ReadableStream, queued, 1 event/chunk",
    run: (events) => viaStream(queuedReadable(events)),
    floor: { name: "reader.read() loop", run: (events) => drainReader(queuedReadable(events)) },
  },
  {
    name: "ReadableStream.from, pulled, 1 event/chunk",
    run: (events) => viaStream(pulledReadable(events)),
    floor: { name: "reader.read() loop", run: (events) => drainReader(pulledReadable(events)) },
  },
  {
    name: "async generator, 1 event/yield",
    run: (events) => viaStream(oneAtATime(events)),
    floor: { name: "for await", run: (events) => drainIterable(oneAtATime(events)) },
  },
  {
    name: "WindowStream via pipeThrough (queued)",
    run: viaWindowStream,
    floor: { name: "pipeTo(counting WritableStream)", run: (events) => drainPipeTo(queuedReadable(events)) },
  },
];

const events = materialize(uniformEvents(N));
console.log(`streamed input: W1, ${N.toLocaleString("en")} events, 1,000 keys, ${REPS} reps (median shown)`);
const reference = await variants[0]!.run(events);
// Each run in a rep: every variant, then its floor.
const runs: { name: string; run: Run }[] = variants.flatMap((v) => v.floor ? [v, v.floor] : [v]);
for (const v of variants) {
  const t = await v.run(events); // also the warm-up
  if (t.windows !== reference.windows || t.count !== reference.count) {
    throw new Error(
      `${v.name}: ${t.windows} windows / ${t.count} events, array: ${reference.windows} / ${reference.count}`,
    );
  }
  const f = await v.floor?.run(events);
  if (f !== undefined && f.count !== N) throw new Error(`${v.name} floor: ${f.count} events, not ${N}`);
}
const seconds = new Map<Run, number[]>(runs.map((r) => [r.run, []]));
for (let rep = 0; rep < REPS; rep++) {
  for (const r of runs) {
    const t0 = performance.now();
    await r.run(events);
    seconds.get(r.run)!.push((performance.now() - t0) / 1000);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const arraySeconds = median(seconds.get(variants[0]!.run)!);
const rate = (s: number): string => `${(N / s / 1e3).toFixed(0).padStart(7)} k ev/s`;
for (const v of variants) {
  const s = median(seconds.get(v.run)!);
  let line = `${v.name.padEnd(43)} ${rate(s)}  ${(arraySeconds / s).toFixed(2)}× array`;
  if (v.floor) {
    const f = median(seconds.get(v.floor.run)!);
    line += `  ${(f / s).toFixed(2)}× floor  ${((f + arraySeconds) / s).toFixed(2)}× floor+array  (${v.floor.name}: ${
      rate(f)
    })`;
  }
  console.log(line);
}
