/// <reference types="node" />
// Window throughput and memory: W1 (tumbling 10 s), W2 (sliding 60 s / 10 s), W3 (30 s sessions),
// each run side by side in one process by a hand-written plain loop, RxJS, Node object-mode streams
// and weir, on the same pre-generated events. Every implementation's results are checked against
// the plain loop's (the full (key, window, count, sum) multiset); a mismatch aborts the benchmark.
//
// Run: npx tsx --expose-gc bench/windows.ts [--events 5000000] [--reps 5] [--workloads w1,w2,w3]
//        [--impls plain,rxjs,node,weir]
import type { Observable } from "rxjs";
import { endWith, filter, from, mergeMap, scan } from "rxjs";
import { Readable, Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { PerformanceObserver } from "node:perf_hooks";
import { count, session, sliding, type Source, stream, sum, tumbling, type WindowAssigner } from "../mod.ts";
import { PerWindow, type Row, Sessions, SlicedSliding, type Windower } from "./_baselines.ts";
import { type BenchEvent, burstyEvents, intArg, KEYS, materialize, stringArg, T0, uniformEvents } from "./_data.ts";

const N = intArg("events", 5_000_000);
const REPS = intArg("reps", 5);
const WORKLOADS = stringArg("workloads", "w1,w2,w3").toLowerCase().split(",");
/** Prefixes of the implementations to run (default all), e.g. `--impls weir` for profiling. */
const IMPLS = process.argv.includes("--impls") ? stringArg("impls", "").toLowerCase().split(",") : null;
const BOUND = 2_000;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.warn(
    "gc() is not exposed: heap figures are skipped. Run with --expose-gc (npx tsx --expose-gc bench/windows.ts).",
  );
}
// Main-thread GC pauses, attributed afterwards to the timed run they fall in (entries arrive late).
const gcPauses: { start: number; duration: number }[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcPauses.push({ start: e.startTime, duration: e.duration });
}).observe({ entryTypes: ["gc"] });
function gcShare(t0: number, t1: number): number {
  let ms = 0;
  for (const p of gcPauses) if (p.start >= t0 && p.start < t1) ms += p.duration;
  return ms / (t1 - t0);
}

function heapAfterGc(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

// ---------------------------------------------------------------------------------------------
// Implementations. Each consumes an Iterable of events (an array when timed, a probing generator in
// the memory pass) and hands every fired window to a sink as it is produced: the timed runs and the
// memory pass tally them (nothing is retained, as in a streaming job), the warm-up collects them to
// check correctness.

interface Workload {
  name: string;
  description: string;
  events: () => BenchEvent[];
  /** The baseline windowing the plain loop, RxJS and Node streams run. */
  windower: () => Windower;
  assigner: WindowAssigner;
  /** Extra plain-loop variants, reported but not used as the reference. */
  variants?: Record<string, () => Windower>;
}

type Sink = (key: number, start: number, end: number, count: number, sum: number) => void;
type Run = (input: Iterable<BenchEvent>, sink: Sink) => Promise<void>;

function plainLoop(make: () => Windower): Run {
  return (input, sink) => {
    const w = make();
    for (const e of input) {
      w.add(e);
      if (w.out.length !== 0) emitAll(w, sink);
    }
    w.flush();
    emitAll(w, sink);
    checkNoLate(w);
    return Promise.resolve();
  };
}

function emitAll(w: Windower, sink: Sink): void {
  const rows = w.out;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    sink(r.key, r.start, r.end, r.count, r.sum);
  }
  rows.length = 0;
}

function checkNoLate(w: Windower): void {
  if (w.late !== 0) throw new Error(`the baseline dropped ${w.late} late events; the workloads are built to have none`);
}

const EMPTY: Row[] = [];
function drain(w: Windower): Row[] {
  if (w.out.length === 0) return EMPTY;
  const rows = w.out;
  w.out = [];
  return rows;
}

// What an RxJS user writes for event-time windows: RxJS's windowTime/bufferTime are processing-time,
// so the state lives in a scan() and fired windows are flattened out with mergeMap().
function rxjs(make: () => Windower): Run {
  return async (input, sink) => {
    const w = make();
    const rows$: Observable<Row> = from(input).pipe(
      endWith(null),
      scan((_fired: Row[], e: BenchEvent | null) => {
        if (e === null) w.flush();
        else w.add(e);
        return drain(w);
      }, EMPTY),
      filter((fired) => fired.length > 0),
      mergeMap((fired) => fired),
    );
    await new Promise<void>((resolve, reject) =>
      rows$.subscribe({ next: (r) => sink(r.key, r.start, r.end, r.count, r.sum), error: reject, complete: resolve })
    );
    checkNoLate(w);
  };
}

// Node object-mode streams: Readable.from(events) -> Transform doing the windowing -> Writable.
function nodeStreams(make: () => Windower): Run {
  return async (input, sink) => {
    const w = make();
    await pipeline(
      Readable.from(input),
      new Transform({
        objectMode: true,
        transform(e: BenchEvent, _enc, cb) {
          w.add(e);
          for (const r of drain(w)) this.push(r);
          cb();
        },
        flush(cb) {
          w.flush();
          for (const r of drain(w)) this.push(r);
          cb();
        },
      }),
      new Writable({
        objectMode: true,
        write(r: Row, _enc, cb) {
          sink(r.key, r.start, r.end, r.count, r.sum);
          cb();
        },
      }),
    );
    checkNoLate(w);
  };
}

// weir as its README shows it, consumed with for await.
function weir(assigner: WindowAssigner): Run {
  return async (input, sink) => {
    const results = stream(input)
      .withEventTime((e) => e.ts, { maxOutOfOrderness: BOUND })
      .keyBy((e) => e.key)
      .window(assigner)
      .aggregate({ n: count(), total: sum((e: BenchEvent) => e.value) });
    for await (const r of results) sink(r.key, r.window.start, r.window.end, r.value.n, r.value.total);
  };
}

class Tally {
  results = 0;
  count = 0;
  sum = 0;
  readonly sink: Sink = (_key, _start, _end, count, sum) => {
    this.results++;
    this.count += count;
    this.sum += sum;
  };
  same(o: Tally): boolean {
    return this.results === o.results && this.count === o.count && this.sum === o.sum;
  }
  toString(): string {
    return `${this.results} windows, count ${this.count}, sum ${this.sum}`;
  }
}

async function collect(run: Run, input: Iterable<BenchEvent>): Promise<Row[]> {
  const rows: Row[] = [];
  await run(input, (key, start, end, count, sum) => rows.push({ key, start, end, count, sum }));
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Verification

function canonical(rows: Row[]): Row[] {
  return rows.slice().sort((a, b) => a.key - b.key || a.start - b.start || a.end - b.end);
}

function verify(workload: string, name: string, rows: Row[], reference: Row[]): void {
  if (rows.length !== reference.length) {
    throw new Error(`${workload}: ${name} fired ${rows.length} windows, the plain loop ${reference.length}`);
  }
  const x = canonical(rows), y = canonical(reference);
  for (let i = 0; i < x.length; i++) {
    const p = x[i]!, q = y[i]!;
    if (p.key !== q.key || p.start !== q.start || p.end !== q.end || p.count !== q.count || p.sum !== q.sum) {
      throw new Error(
        `${workload}: ${name} disagrees with the plain loop at sorted row ${i}: ${JSON.stringify(p)} vs ${
          JSON.stringify(q)
        }`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Measurement helpers

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const fmtRate = (evPerSec: number) => `${(evPerSec / 1e6).toFixed(2)}M/s`;
const fmtMB = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
const fmtKB = (bytes: number) => `${bytes >= 0 ? "+" : ""}${(bytes / 1024).toFixed(0)} KB`;

/** Yields the events and, when the midpoint is reached, records the heap after a GC. */
function* probed(events: BenchEvent[], onMid: () => void): Generator<BenchEvent> {
  const mid = events.length >> 1;
  for (let i = 0; i < events.length; i++) {
    if (i === mid) onMid();
    yield events[i]!;
  }
}

// ---------------------------------------------------------------------------------------------

const workloads: Workload[] = [
  {
    name: "W1",
    description: "tumbling 10 s, count + sum, maxOutOfOrderness 2 s",
    events: () => (uniform ??= materialize(uniformEvents(N))),
    windower: () => new PerWindow(10_000, 10_000, BOUND),
    assigner: tumbling(10_000),
  },
  {
    name: "W2",
    description: "sliding 60 s / 10 s, count + sum, maxOutOfOrderness 2 s",
    events: () => (uniform ??= materialize(uniformEvents(N))),
    windower: () => new SlicedSliding(60_000, 10_000, BOUND),
    assigner: sliding(60_000, 10_000),
    variants: { "plain (per-event: 6 windows per event)": () => new PerWindow(60_000, 10_000, BOUND) },
  },
  {
    name: "W3",
    description: "30 s sessions, bursty keys, count + sum, maxOutOfOrderness 2 s",
    events: () => (bursty ??= materialize(burstyEvents(N))),
    windower: () => new Sessions(30_000, BOUND),
    assigner: session(30_000),
  },
];

const wanted = workloads.filter((w) => WORKLOADS.includes(w.name.toLowerCase()));
console.log(
  `weir window benchmarks: ${
    N.toLocaleString("en")
  } events per workload, ${KEYS} keys, ${REPS} timed reps (median reported)`,
);
console.log(`node ${process.version}; inputs are generated before timing; results go to a tallying sink\n`);

// Inputs are generated when first needed and dropped when no longer needed, so the live heap (which
// every major GC has to mark) holds one input at a time.
let uniform: BenchEvent[] | null = null;
let bursty: BenchEvent[] | null = null;

for (const wl of wanted) {
  if (wl.name === "W3") uniform = null;
  const generated = performance.now();
  const events = wl.events();
  const generationSeconds = (performance.now() - generated) / 1000;
  const impls: [string, Run][] = ([
    ["plain loop", plainLoop(wl.windower)],
    ...Object.entries(wl.variants ?? {}).map(([n, make]): [string, Run] => [n, plainLoop(make)]),
    ["RxJS", rxjs(wl.windower)],
    ["Node object streams", nodeStreams(wl.windower)],
    ["weir", weir(wl.assigner)],
  ] as [string, Run][]).filter(([n]) => IMPLS === null || IMPLS.some((x) => n.toLowerCase().startsWith(x)));
  console.log(`== ${wl.name}: ${wl.description} (input generated in ${generationSeconds.toFixed(1)} s)`);

  // Warm-up run of each implementation, which is also the correctness check against the plain loop.
  const reference = new Tally();
  if (impls[0]![0] === "plain loop") {
    const rows = await collect(impls[0]![1], events);
    for (const r of rows) reference.sink(r.key, r.start, r.end, r.count, r.sum);
    console.log(
      `   reference: ${reference.results.toLocaleString("en")} windows, total count ${
        reference.count.toLocaleString("en")
      }, total sum ${reference.sum.toLocaleString("en")}`,
    );
    const expected = wl.name === "W2" ? 6 * events.length : events.length;
    if (reference.count !== expected) {
      throw new Error(`${wl.name}: the plain loop counted ${reference.count} events, expected ${expected}`);
    }
    for (const [name, run] of impls.slice(1)) verify(wl.name, name, await collect(run, events), rows);
    console.log(`   all ${impls.length} implementations produce identical (key, window, count, sum) multisets`);
  } else {
    for (const [, run] of impls) await run(events, new Tally().sink);
    console.log("   (plain loop not selected: results are not verified)");
  }

  // Timed reps, interleaved; the order rotates each rep so no implementation always runs after the same one.
  // Both wall time and the process's CPU time (user + system, all threads) are recorded: on a shared
  // machine other processes stretch wall time but not CPU time, while CPU time also counts GC helper threads.
  const wall = new Map<string, number[]>(impls.map(([n]) => [n, []]));
  const cpu = new Map<string, number[]>(impls.map(([n]) => [n, []]));
  const intervals: [string, number, number][] = [];
  for (let rep = 0; rep < REPS; rep++) {
    for (let j = 0; j < impls.length; j++) {
      const [name, run] = impls[(j + rep) % impls.length]!;
      gc?.();
      const tally = new Tally();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await run(events, tally.sink);
      const t1 = performance.now();
      const s = (t1 - t0) / 1000;
      const c = process.cpuUsage(c0);
      intervals.push([name, t0, t1]);
      if (reference.results > 0 && !tally.same(reference)) {
        throw new Error(`${wl.name}: ${name} rep ${rep}: ${tally} but the plain loop: ${reference}`);
      }
      wall.get(name)!.push(s);
      cpu.get(name)!.push((c.user + c.system) / 1e6);
    }
  }
  await new Promise((r) => setTimeout(r, 100));
  const gcShares = new Map<string, number[]>(impls.map(([n]) => [n, []]));
  for (const [name, t0, t1] of intervals) gcShares.get(name)!.push(gcShare(t0, t1));
  console.log(
    `   ${"".padEnd(40)} ${"wall".padStart(10)} ${"vs plain".padStart(9)}  ${"cpu".padStart(10)} ${
      "vs plain".padStart(9)
    }  ${"GC".padStart(4)}   wall per run`,
  );
  const wallBase = wall.get("plain loop"), cpuBase = cpu.get("plain loop");
  for (const [name] of impls) {
    const w = median(wall.get(name)!), c = median(cpu.get(name)!);
    const vs = (base: number[] | undefined, m: number) =>
      (base ? `${(median(base) / m).toFixed(2)} x` : "").padStart(9);
    console.log(
      `   ${name.padEnd(40)} ${fmtRate(events.length / w).padStart(10)} ${vs(wallBase, w)}  ${
        fmtRate(events.length / c).padStart(10)
      } ${vs(cpuBase, c)}  ${(100 * median(gcShares.get(name)!)).toFixed(0).padStart(3)}%   ${
        wall.get(name)!.map((t) => fmtRate(events.length / t)).join(" ")
      }`,
    );
  }
  const wallWeir = wall.get("weir"), cpuWeir = cpu.get("weir");
  if (wallBase && cpuBase && wallWeir && cpuWeir) {
    const wr = wallBase.map((p, i) => p / wallWeir[i]!), cr = cpuBase.map((p, i) => p / cpuWeir[i]!);
    console.log(
      `   weir / plain loop within each rep, wall: ${wr.map((r) => r.toFixed(2)).join(" ")} (median ${
        median(wr).toFixed(2)
      })`,
    );
    console.log(
      `   weir / plain loop within each rep, cpu:  ${cr.map((r) => r.toFixed(2)).join(" ")} (median ${
        median(cr).toFixed(2)
      })`,
    );
  }

  if (gc !== undefined) {
    // Memory pass (untimed): heap after GC before the run and at the midpoint of the input; results
    // are tallied, not kept, so the difference is the implementation's working state.
    const parts: string[] = [];
    for (const [name, run] of impls) {
      const before = heapAfterGc();
      let during = 0;
      await run(probed(events, () => (during = heapAfterGc())), new Tally().sink);
      parts.push(`${name} ${fmtKB(during - before)}`);
    }
    console.log(
      `   heap after GC at mid-run minus before (whole heap ${fmtMB(heapAfterGc())}, mostly the input): ${
        parts.join(", ")
      }`,
    );
  }
  console.log();
}

// ---------------------------------------------------------------------------------------------
// Bytes per open (key, window): windows that never close (a watermark bound far beyond the input),
// KEYS keys x WINDOWS tumbling windows with one event each, heap delta / open windows.

if (gc !== undefined) {
  const WINDOWS = 200;
  const SIZE = 10_000;
  const HUGE = 1e15;
  const open = KEYS * WINDOWS;
  const event = (i: number): BenchEvent => ({ key: i % KEYS, ts: T0 + Math.floor(i / KEYS) * SIZE + 1, value: 1 });

  const plainW = new PerWindow(SIZE, SIZE, HUGE);
  const before = heapAfterGc();
  for (let i = 0; i < open; i++) plainW.add(event(i));
  const plainBytes = (heapAfterGc() - before) / open;
  // Keeps the windower alive across the measurement above and checks it held every window.
  plainW.flush();
  if (plainW.out.length !== open) {
    throw new Error(`open-window probe (plain): expected ${open} windows, got ${plainW.out.length}`);
  }

  const perWindow: Record<string, number> = {};
  for (const [label, assigner] of [["tumbling", tumbling(SIZE)], ["session", session(SIZE / 2)]] as const) {
    let weirBefore = 0, weirAfter = 0;
    const source: Source<BenchEvent> = {
      kind: "source",
      replayable: false,
      *open() {
        weirBefore = heapAfterGc();
        for (let i = 0; i < open; i += 1000) {
          const values: BenchEvent[] = [];
          for (let j = i; j < i + 1000; j++) values.push(event(j));
          yield { type: "elements", values };
        }
        // Runs once the job asks for more after the last chunk: every window is open, none fired.
        weirAfter = heapAfterGc();
      },
    };
    const results = stream(source)
      .withEventTime((e) => e.ts, { maxOutOfOrderness: HUGE })
      .keyBy((e) => e.key)
      .window(assigner)
      .aggregate({ n: count(), total: sum((e: BenchEvent) => e.value) });
    let fired = 0;
    for await (const _ of results) fired++;
    if (fired !== open) {
      throw new Error(`open-window probe (${label}): expected ${open} windows at end of input, got ${fired}`);
    }
    perWindow[label] = (weirAfter - weirBefore) / open;
  }
  console.log(
    `== Memory per open (key, window), ${KEYS} keys x ${WINDOWS} windows = ${
      open.toLocaleString("en")
    } open windows, count + sum`,
  );
  console.log(
    `   weir tumbling: ${perWindow.tumbling!.toFixed(0)} B   weir session: ${
      perWindow.session!.toFixed(0)
    } B   plain loop (Map entry + {count, sum}): ${plainBytes.toFixed(0)} B`,
  );
}
