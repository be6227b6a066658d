/// <reference types="node" />
// Window throughput and memory: W1 (tumbling 10 s), W2 (sliding 60 s / 10 s), W3 (30 s sessions),
// each at several key counts, run side by side in one process by a hand-written plain loop, RxJS,
// @most/core, Node object-mode streams and weir, on the same pre-generated events. Every
// implementation's results (the full (key, start, end, count, sum) multiset and the number of late
// events) are checked against weir's before timing; a mismatch aborts the benchmark.
//
// Run: npx tsx --expose-gc bench/windows.ts [--events 5000000] [--reps 5] [--keys 100,10000,1000000]
//        [--workloads w1,w2,w3] [--impls plain,rxjs,most,node,weir] [--no-memory]
import { Observable, type OperatorFunction } from "rxjs";
import { from } from "rxjs";
import { runMost } from "./_most.ts";
import { Readable, Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { PerformanceObserver } from "node:perf_hooks";
import { count, session, sliding, type Source, stream, sum, tumbling, type WindowAssigner } from "../mod.ts";
import {
  type Emit,
  loopSessions,
  loopSliced,
  loopSlidingPerEvent,
  loopTumbling,
  Sessions,
  SlicedSliding,
  Tumbling,
  type Windower,
} from "./_baselines.ts";
import {
  type BenchEvent,
  burstyEvents,
  intArg,
  KEYS,
  materialize,
  settledMemory,
  stringArg,
  T0,
  uniformEvents,
} from "./_data.ts";

const N = intArg("events", 5_000_000);
const REPS = intArg("reps", 5);
const KEY_COUNTS = stringArg("keys", "100,10000,1000000").split(",").map(parseCount);
const WORKLOADS = stringArg("workloads", "w1,w2,w3").toLowerCase().split(",");
/** Prefixes of the implementation ids to run (default all), e.g. `--impls plain,weir` for profiling. */
const IMPLS = process.argv.includes("--impls") ? stringArg("impls", "").toLowerCase().split(",") : null;
const MEMORY = !process.argv.includes("--no-memory");
const BOUND = 2_000;

function parseCount(raw: string): number {
  const m = /^(\d[\d_]*)([km]?)$/i.exec(raw.trim());
  const n = m ? Number(m[1]!.replaceAll("_", "")) * ({ "": 1, k: 1e3, m: 1e6 }[m[2]!.toLowerCase()] ?? 1) : NaN;
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`--keys takes a list of integers >= 1: current value is ${raw}`);
  }
  return n;
}

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
  return settledMemory(gc!);
}

// ---------------------------------------------------------------------------------------------
// Implementations. Each consumes the events (an array when timed; the memory pass hands the
// framework rows a probing generator), hands every fired window to a sink as it is produced (the
// timed runs tally them: nothing is retained, as in a streaming job) and returns how many events it
// dropped as late.

type Sink = Emit;
type Run = (input: Iterable<BenchEvent>, sink: Sink) => Promise<number>;
type Loop = (events: readonly BenchEvent[], emit: Emit) => number;
type MakeWindower = (emit: Emit) => Windower;

interface Impl {
  /** What `--impls` matches (by prefix). */
  id: string;
  name: string;
  run: Run;
  /** The run for the memory pass, whose input is a generator (the plain loops need an array). */
  memory: Run | null;
}

function plainLoop(loop: Loop): Run {
  return (input, sink) => {
    if (!Array.isArray(input)) throw new TypeError("the plain loop runs over an array");
    return Promise.resolve(loop(input, sink));
  };
}

/** The windower class (the plain loop's algorithm, one event at a time) driven by a `for...of`. */
function pushLoop(make: MakeWindower): Run {
  return (input, sink) => {
    const w = make(sink);
    for (const e of input) w.add(e);
    w.flush();
    return Promise.resolve(w.late);
  };
}

/** Runs `drive` with a windower factory that remembers the windower, and returns its late count. */
function withWindower(
  make: MakeWindower,
  drive: (make: MakeWindower, input: Iterable<BenchEvent>, sink: Sink) => Promise<void>,
): Run {
  return async (input, sink) => {
    let w: Windower | null = null;
    await drive((emit) => (w = make(emit)), input, sink);
    return (w as Windower | null)?.late ?? NaN;
  };
}

/** One fired window, as the framework rows emit it. */
interface Row {
  key: number;
  start: number;
  end: number;
  count: number;
  sum: number;
}

// RxJS: its windowTime/bufferTime are processing-time, so event-time windows are a custom operator
// (the usual `new Observable(subscriber => source.subscribe(...))` pattern) around the windower.
function eventTimeWindows(make: MakeWindower): OperatorFunction<BenchEvent, Row> {
  return (source) =>
    new Observable<Row>((subscriber) => {
      const w = make((key, start, end, count, sum) => subscriber.next({ key, start, end, count, sum }));
      return source.subscribe({
        next: (e) => w.add(e),
        error: (err) => subscriber.error(err),
        complete: () => {
          w.flush();
          subscriber.complete();
        },
      });
    });
}

function rxjs(make: MakeWindower): Run {
  return withWindower(
    make,
    (make, input, sink) =>
      new Promise<void>((resolve, reject) =>
        from(input).pipe(eventTimeWindows(make)).subscribe({
          next: (r) => sink(r.key, r.start, r.end, r.count, r.sum),
          error: reject,
          complete: resolve,
        })
      ),
  );
}

function most(make: MakeWindower): Run {
  return withWindower(make, (make, input, sink) => runMost(make, input, sink));
}

// Node object-mode streams: Readable.from(events) -> Transform doing the windowing -> Writable.
function nodeStreams(make: MakeWindower): Run {
  return withWindower(make, async (make, input, sink) => {
    const transform = new Transform({
      objectMode: true,
      transform(e: BenchEvent, _enc, cb) {
        w.add(e);
        cb();
      },
      flush(cb) {
        w.flush();
        cb();
      },
    });
    const w = make((key, start, end, count, sum) => transform.push({ key, start, end, count, sum }));
    await pipeline(
      Readable.from(input),
      transform,
      new Writable({
        objectMode: true,
        write(r: Row, _enc, cb) {
          sink(r.key, r.start, r.end, r.count, r.sum);
          cb();
        },
      }),
    );
  });
}

// weir as its README shows it, consumed with for await; onLate counts late events (none in the
// timed workloads, so it is never called there).
/** weir consumed with `forEach` (results handed over per step, no promise per result), or with `for await`. */
function weir(assigner: WindowAssigner, consume: "forEach" | "for-await" = "forEach"): Run {
  return async (input, sink) => {
    let late = 0;
    const results = stream(input)
      .withEventTime((e) => e.ts, { maxOutOfOrderness: BOUND })
      .keyBy((e) => e.key)
      .window(assigner, { onLate: () => late++ })
      .aggregate({ n: count(), total: sum((e: BenchEvent) => e.value) });
    if (consume === "forEach") {
      await results.forEach((r) => sink(r.key, r.window.start, r.window.end, r.value.n, r.value.total));
    } else {
      for await (const r of results) sink(r.key, r.window.start, r.window.end, r.value.n, r.value.total);
    }
    return late;
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

// ---------------------------------------------------------------------------------------------
// Verification: the full multiset of (key, start, end, count, sum), kept in columns (millions of
// rows at 1M keys), compared after sorting.

class Rows {
  n = 0;
  #c = new Float64Array(5 * 4096);
  readonly sink: Sink = (key, start, end, count, sum) => {
    if (5 * this.n === this.#c.length) {
      const c = new Float64Array(this.#c.length * 2);
      c.set(this.#c);
      this.#c = c;
    }
    const c = this.#c, o = 5 * this.n++;
    c[o] = key;
    c[o + 1] = start;
    c[o + 2] = end;
    c[o + 3] = count;
    c[o + 4] = sum;
  };
  #order: Uint32Array | null = null;
  /** Row indices in (key, start, end, count, sum) order. */
  order(): Uint32Array {
    if (this.#order === null) {
      const c = this.#c;
      const idx = new Uint32Array(this.n);
      for (let i = 0; i < idx.length; i++) idx[i] = i;
      idx.sort((a, b) => {
        const x = 5 * a, y = 5 * b;
        return c[x]! - c[y]! || c[x + 1]! - c[y + 1]! || c[x + 2]! - c[y + 2]! || c[x + 3]! - c[y + 3]! ||
          c[x + 4]! - c[y + 4]!;
      });
      this.#order = idx;
    }
    return this.#order;
  }
  row(i: number): string {
    const c = this.#c, o = 5 * i;
    return `{key ${c[o]}, start ${c[o + 1]}, end ${c[o + 2]}, count ${c[o + 3]}, sum ${c[o + 4]}}`;
  }
  tally(): Tally {
    const t = new Tally();
    for (let i = 0; i < this.n; i++) {
      const o = 5 * i;
      t.sink(this.#c[o]!, this.#c[o + 1]!, this.#c[o + 2]!, this.#c[o + 3]!, this.#c[o + 4]!);
    }
    return t;
  }
  /** The first difference from `ref` in sorted order, or null when the multisets are equal. */
  diff(ref: Rows): string | null {
    if (this.n !== ref.n) return `${this.n} windows fired, weir ${ref.n}`;
    const p = this.order(), q = ref.order(), a = this.#c, b = ref.#c;
    for (let i = 0; i < p.length; i++) {
      const x = 5 * p[i]!, y = 5 * q[i]!;
      for (let j = 0; j < 5; j++) {
        if (a[x + j] !== b[y + j]) return `sorted row ${i}: ${this.row(p[i]!)} vs weir ${ref.row(q[i]!)}`;
      }
    }
    return null;
  }
}

/** Runs every implementation once on `events`, untimed, and compares it with weir; returns weir's rows. */
async function verify(label: string, impls: Impl[], reference: Run, events: BenchEvent[]): Promise<[Rows, number]> {
  const ref = new Rows();
  const refLate = await reference(events, ref.sink);
  for (const impl of impls) {
    if (impl.id === "weir") continue;
    const rows = new Rows();
    const late = await impl.run(events, rows.sink);
    const d = late !== refLate ? `${late} late events, weir ${refLate}` : rows.diff(ref);
    if (d !== null) throw new Error(`${label}: ${impl.name} disagrees with weir: ${d}`);
  }
  return [ref, refLate];
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
const fmtKeys = (
  k: number,
) => (k >= 1e6 && k % 1e6 === 0 ? `${k / 1e6}M` : k >= 1e3 && k % 1e3 === 0 ? `${k / 1e3}k` : `${k}`);

/** Yields the events and, when the midpoint is reached, records the heap after a GC. */
function* probed(events: BenchEvent[], onMid: () => void): Generator<BenchEvent> {
  const mid = events.length >> 1;
  for (let i = 0; i < events.length; i++) {
    if (i === mid) onMid();
    yield events[i]!;
  }
}

// ---------------------------------------------------------------------------------------------

interface Workload {
  name: string;
  description: string;
  input: "uniform" | "bursty";
  /** The plain loop (the reference of the ratios) and the windower class the framework rows wrap. */
  loop: Loop;
  windower: MakeWindower;
  assigner: WindowAssigner;
  /** The semantics check's disorder: far enough beyond BOUND that some events miss all their windows. */
  lateDisorder: number;
  /** Extra plain loops, reported but not the reference of the ratios. */
  variants?: { id: string; name: string; loop: Loop }[];
}

const workloads: Workload[] = [
  {
    name: "W1",
    description: "tumbling 10 s, count + sum, maxOutOfOrderness 2 s",
    input: "uniform",
    loop: (events, emit) => loopTumbling(events, 10_000, BOUND, emit),
    windower: (emit) => new Tumbling(10_000, BOUND, emit),
    assigner: tumbling(10_000),
    lateDisorder: 8_000,
  },
  {
    name: "W2",
    description: "sliding 60 s / 10 s, count + sum, maxOutOfOrderness 2 s",
    input: "uniform",
    loop: (events, emit) => loopSliced(events, 60_000, 10_000, BOUND, emit),
    windower: (emit) => new SlicedSliding(60_000, 10_000, BOUND, emit),
    assigner: sliding(60_000, 10_000),
    lateDisorder: 70_000,
    variants: [{
      id: "plain-per-event",
      name: "plain (per-event: 6 windows/event)",
      loop: (events, emit) => loopSlidingPerEvent(events, 60_000, 10_000, BOUND, emit),
    }],
  },
  {
    name: "W3",
    description: "30 s sessions, bursty keys, count + sum, maxOutOfOrderness 2 s",
    input: "bursty",
    loop: (events, emit) => loopSessions(events, 30_000, BOUND, emit),
    windower: (emit) => new Sessions(30_000, BOUND, emit),
    assigner: session(30_000),
    lateDisorder: 40_000,
  },
];

function implsOf(wl: Workload): Impl[] {
  const all: Impl[] = [
    { id: "plain", name: "plain loop", run: plainLoop(wl.loop), memory: pushLoop(wl.windower) },
    ...(wl.variants ?? []).map((v): Impl => ({ id: v.id, name: v.name, run: plainLoop(v.loop), memory: null })),
    { id: "rxjs", name: "RxJS (custom operator)", run: rxjs(wl.windower), memory: rxjs(wl.windower) },
    { id: "most", name: "@most/core (custom Stream/Sink)", run: most(wl.windower), memory: most(wl.windower) },
    { id: "node", name: "Node object streams", run: nodeStreams(wl.windower), memory: nodeStreams(wl.windower) },
    { id: "weir", name: "weir (forEach)", run: weir(wl.assigner), memory: weir(wl.assigner) },
    {
      id: "weir-for-await",
      name: "weir (for await)",
      run: weir(wl.assigner, "for-await"),
      memory: weir(wl.assigner, "for-await"),
    },
  ];
  return all.filter((i) => IMPLS === null || IMPLS.some((x) => x !== "" && i.id.startsWith(x)));
}

function generate(kind: Workload["input"], n: number, keys: number, disorder?: number): BenchEvent[] {
  return materialize(kind === "uniform" ? uniformEvents(n, 1, keys, disorder) : burstyEvents(n, 3, keys, disorder));
}

const wanted = workloads.filter((w) => WORKLOADS.includes(w.name.toLowerCase()));
console.log(
  `weir window benchmarks: ${N.toLocaleString("en")} events per workload, keys ${
    KEY_COUNTS.map(fmtKeys).join(" / ")
  }, ${REPS} timed reps (median reported)`,
);
console.log(`node ${process.version}; inputs are generated before timing; results go to a tallying sink\n`);

// Semantics check, once per workload: a small input disordered beyond the bound, so events are late
// (and, for sliding windows and sessions, late for some windows or sessions only); every
// implementation must drop the same events and fire the same windows as weir.
for (const wl of wanted) {
  const impls = implsOf(wl);
  const events = generate(wl.input, Math.min(N, 200_000), KEYS, wl.lateDisorder);
  const [ref, late] = await verify(`${wl.name} semantics check`, impls, weir(wl.assigner), events);
  if (late === 0) throw new Error(`${wl.name} semantics check: the disordered input has no late events`);
  console.log(
    `${wl.name} semantics check (${events.length.toLocaleString("en")} events, ${KEYS} keys, disorder ${
      wl.lateDisorder / 1000
    } s > bound ${BOUND / 1000} s): ${late.toLocaleString("en")} late events, ${ref.n.toLocaleString("en")} windows; ${
      impls.filter((i) => i.id !== "weir").map((i) => i.id).join(", ")
    } identical to weir`,
  );
}
console.log();

/** Summary cells: impl name -> column ("W1 100") -> [cpu ratio vs plain, cpu ev/s]. */
const summary = new Map<string, Map<string, [number, number]>>();
const columns: string[] = [];

for (const keys of KEY_COUNTS) {
  // Inputs are generated when first needed and dropped when no longer needed, so the live heap (which
  // every major GC has to mark) holds one input at a time.
  let uniform: BenchEvent[] | null = null;
  for (const wl of wanted) {
    const impls = implsOf(wl);
    const generated = performance.now();
    const events = wl.input === "uniform" ? (uniform ??= generate("uniform", N, keys)) : generate("bursty", N, keys);
    if (wl.input === "bursty") uniform = null;
    const generationSeconds = (performance.now() - generated) / 1000;
    const column = `${wl.name} ${fmtKeys(keys)}`;
    columns.push(column);
    console.log(
      `== ${wl.name}, ${keys.toLocaleString("en")} keys: ${wl.description} (input generated in ${
        generationSeconds.toFixed(1)
      } s)`,
    );

    // Untimed run of each implementation (also its warm-up), checked against weir.
    const [refRows, refLate] = await verify(`${wl.name} (${keys} keys)`, impls, weir(wl.assigner), events);
    const reference = refRows.tally();
    console.log(
      `   weir: ${reference.results.toLocaleString("en")} windows (${
        (reference.count / reference.results).toFixed(1)
      } events each), total count ${reference.count.toLocaleString("en")}, total sum ${
        reference.sum.toLocaleString("en")
      }, ${refLate} late`,
    );
    const expected = wl.name === "W2" ? 6 * events.length : events.length;
    if (refLate === 0 && reference.count !== expected) {
      throw new Error(`${wl.name}: weir counted ${reference.count} events, expected ${expected}`);
    }
    console.log(
      `   ${
        impls.filter((i) => i.id !== "weir").map((i) => i.id).join(", ")
      }: identical (key, start, end, count, sum) multisets and late counts`,
    );

    // Timed reps, interleaved: each rep runs every implementation once, the order rotating from rep to
    // rep. Both wall time and the process's CPU time (user + system, all threads) are recorded: on a
    // shared machine other processes stretch wall time but not CPU time, which also counts GC threads.
    const wall = new Map<string, number[]>(impls.map((i) => [i.name, []]));
    const cpu = new Map<string, number[]>(impls.map((i) => [i.name, []]));
    const intervals: [string, number, number][] = [];
    for (let rep = 0; rep < REPS; rep++) {
      for (let j = 0; j < impls.length; j++) {
        const { name, run } = impls[(j + rep) % impls.length]!;
        gc?.();
        const tally = new Tally();
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const late = await run(events, tally.sink);
        const t1 = performance.now();
        const c = process.cpuUsage(c0);
        intervals.push([name, t0, t1]);
        if (!tally.same(reference) || late !== refLate) {
          throw new Error(
            `${wl.name}: ${name} rep ${rep}: ${tally}, ${late} late, but weir: ${reference}, ${refLate} late`,
          );
        }
        wall.get(name)!.push((t1 - t0) / 1000);
        cpu.get(name)!.push((c.user + c.system) / 1e6);
      }
    }
    await new Promise((r) => setTimeout(r, 100));
    const gcShares = new Map<string, number[]>(impls.map((i) => [i.name, []]));
    for (const [name, t0, t1] of intervals) gcShares.get(name)!.push(gcShare(t0, t1));
    console.log(
      `   ${"".padEnd(36)} ${"wall".padStart(10)} ${"vs plain".padStart(9)}  ${"cpu".padStart(10)} ${
        "vs plain".padStart(9)
      }  ${"GC".padStart(4)}   cpu ratio in each rep`,
    );
    const wallBase = wall.get("plain loop"), cpuBase = cpu.get("plain loop");
    for (const { name } of impls) {
      const w = median(wall.get(name)!), c = median(cpu.get(name)!);
      const vs = (base: number[] | undefined, m: number) =>
        (base ? `${(median(base) / m).toFixed(2)} x` : "").padStart(9);
      const perRep = cpuBase ? cpuBase.map((p, i) => (p / cpu.get(name)![i]!).toFixed(2)).join(" ") : "";
      console.log(
        `   ${name.padEnd(36)} ${fmtRate(events.length / w).padStart(10)} ${vs(wallBase, w)}  ${
          fmtRate(events.length / c).padStart(10)
        } ${vs(cpuBase, c)}  ${(100 * median(gcShares.get(name)!)).toFixed(0).padStart(3)}%   ${perRep}`,
      );
      if (!summary.has(name)) summary.set(name, new Map());
      summary.get(name)!.set(column, [cpuBase ? median(cpuBase) / c : NaN, events.length / c]);
    }

    if (gc !== undefined && MEMORY) {
      // Memory pass (untimed): heap after GC before the run and at the midpoint of the input; results
      // are tallied, not kept, so the difference is the implementation's working state. The plain
      // loops need an array, so the plain row runs its windower class (the same state) here.
      const parts: string[] = [];
      for (const impl of impls) {
        if (impl.memory === null) continue;
        const before = heapAfterGc();
        let during = 0;
        await impl.memory(probed(events, () => (during = heapAfterGc())), new Tally().sink);
        parts.push(`${impl.id} ${fmtKB(during - before)}`);
      }
      console.log(
        `   heap after GC at mid-run minus before (whole heap ${fmtMB(heapAfterGc())}, mostly the input): ${
          parts.join(", ")
        }`,
      );
    }
    console.log();
  }
}

// Summary: CPU-time ratio to the plain loop (median of reps) and CPU-time events/s, per workload and key count.
if (summary.size > 0) {
  console.log(`== Summary: CPU time vs the plain loop (median of ${REPS} reps), and events/s by CPU time`);
  const header = ["", ...columns];
  const lines = [...summary].map(([name, cells]) => [
    name,
    ...columns.map((col) => {
      const cell = cells.get(col);
      if (cell === undefined) return "";
      const [ratio, rate] = cell;
      return Number.isNaN(ratio)
        ? fmtRate(rate)
        : name === "plain loop"
        ? `${fmtRate(rate)}`
        : `${ratio.toFixed(2)} x ${fmtRate(rate)}`;
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(fmt(header));
  console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
  for (const l of lines) console.log(fmt(l));
  console.log();
}

// ---------------------------------------------------------------------------------------------
// Bytes per open (key, window): windows that never close (a watermark bound far beyond the input),
// KEYS keys x WINDOWS tumbling windows with one event each, heap delta / open windows.

if (gc !== undefined && MEMORY) {
  const WINDOWS = 200;
  const SIZE = 10_000;
  const HUGE = 1e15;
  const open = KEYS * WINDOWS;
  const event = (i: number): BenchEvent => ({ key: i % KEYS, ts: T0 + Math.floor(i / KEYS) * SIZE + 1, value: 1 });

  let plainFired = 0;
  const plainW = new Tumbling(SIZE, HUGE, () => plainFired++);
  const before = heapAfterGc();
  for (let i = 0; i < open; i++) plainW.add(event(i));
  const plainBytes = (heapAfterGc() - before) / open;
  // Keeps the windower alive across the measurement above and checks it held every window.
  plainW.flush();
  if (plainFired !== open) throw new Error(`open-window probe (plain): expected ${open} windows, got ${plainFired}`);

  const perWindow: Record<string, number> = {};
  // (each probe in a function of its own: run in this loop's body, the second probe's first reading
  // still counted the first probe's job, freed during the second, and read -107 B per session; the
  // async function's frame holding it is a guess. A job run alone leaves nothing behind after it ends.)
  for (const [label, assigner] of [["tumbling", tumbling(SIZE)], ["session", session(SIZE / 2)]] as const) {
    perWindow[label] = await weirOpenWindowBytes(label, assigner, open, event, HUGE);
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

/** Memory per open (key, window) of weir under `assigner`: `open` windows from `event`, none firing before the end. */
async function weirOpenWindowBytes(
  label: string,
  assigner: WindowAssigner,
  open: number,
  event: (i: number) => BenchEvent,
  huge: number,
): Promise<number> {
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
    .withEventTime((e) => e.ts, { maxOutOfOrderness: huge })
    .keyBy((e) => e.key)
    .window(assigner)
    .aggregate({ n: count(), total: sum((e: BenchEvent) => e.value) });
  let fired = 0;
  for await (const _ of results) fired++;
  if (fired !== open) {
    throw new Error(`open-window probe (${label}): expected ${open} windows at end of input, got ${fired}`);
  }
  return (weirAfter - weirBefore) / open;
}
