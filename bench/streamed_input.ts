/// <reference types="node" />
// Streamed input vs an array: W1 (tumbling 10 s, 1,000 keys, count + sum) over the same events
// given to `stream()` as an array, as a ReadableStream of one event per chunk (its queue filled by
// the producer, as a network body or a decoder fills it), as a ReadableStream pulled one event at a
// time (ReadableStream.from over a generator), as an async generator yielding one event at a time,
// and through `WindowStream` via pipeThrough. Variants are interleaved in every rep; the ratios to
// the array run of the same rep are what to compare.
//
// Run: npx tsx bench/streamed_input.ts [--events 1000000] [--reps 5]
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

const variants: { name: string; run: (events: readonly BenchEvent[]) => Promise<Tally> }[] = [
  { name: "array", run: (events) => viaStream(events) },
  { name: "ReadableStream, queued, 1 event/chunk", run: (events) => viaStream(queuedReadable(events)) },
  { name: "ReadableStream.from, pulled, 1 event/chunk", run: (events) => viaStream(pulledReadable(events)) },
  { name: "async generator, 1 event/yield", run: (events) => viaStream(oneAtATime(events)) },
  { name: "WindowStream via pipeThrough (queued)", run: viaWindowStream },
];

const events = materialize(uniformEvents(N));
console.log(`streamed input: W1, ${N.toLocaleString("en")} events, 1,000 keys, ${REPS} reps (median shown)`);
const reference = await variants[0]!.run(events);
for (const v of variants) {
  const t = await v.run(events); // also the warm-up
  if (t.windows !== reference.windows || t.count !== reference.count) {
    throw new Error(
      `${v.name}: ${t.windows} windows / ${t.count} events, array: ${reference.windows} / ${reference.count}`,
    );
  }
}
const seconds: number[][] = variants.map(() => []);
for (let rep = 0; rep < REPS; rep++) {
  for (let i = 0; i < variants.length; i++) {
    const t0 = performance.now();
    await variants[i]!.run(events);
    seconds[i]!.push((performance.now() - t0) / 1000);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const arraySeconds = median(seconds[0]!);
for (let i = 0; i < variants.length; i++) {
  const s = median(seconds[i]!);
  console.log(
    `${variants[i]!.name.padEnd(46)} ${(N / s / 1e3).toFixed(0).padStart(7)} k ev/s   ${
      (arraySeconds / s).toFixed(2)
    }× array`,
  );
}
