/// <reference types="node" />
// Deterministic workload generators for the window benchmarks. Everything is generated from a seeded
// PRNG, so every run (and every implementation within a run) sees exactly the same events; callers
// generate arrays before timing starts, so generation is never measured.

/** One benchmark event: a key in 0..keys-1 (1,000 keys unless a generator is told otherwise), an epoch-ms event time, an integer value. */
export interface BenchEvent {
  key: number;
  ts: number;
  value: number;
}

/**
 * Memory in use: the JS heap plus the ArrayBuffers' backing stores, which V8 keeps off the heap (a
 * typed array past 64 bytes: weir's accumulator columns and key arrays). `heapUsed` alone leaves
 * them out. Read after gc() for a figure that means anything.
 */
export function usedMemory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + (m.arrayBuffers ?? 0);
}

/**
 * usedMemory() after full GCs, repeated until it stops falling (at most 6): the backing stores of
 * array buffers that one GC found dead are freed by a sweep that a later GC finishes, so a single
 * reading can still count the garbage of a run before (one read -586 B per open window).
 */
export function settledMemory(gc: () => void): number {
  gc();
  let m = usedMemory();
  for (let i = 0; i < 5; i++) {
    gc();
    const now = usedMemory();
    if (now >= m) return now;
    m = now;
  }
  return m;
}

/** Base event time: a realistic epoch-ms value (so timestamps are doubles, as in real data). */
export const T0 = 1_700_000_000_000;
/** Default number of keys. */
export const KEYS = 1_000;
/** Largest disorder: each event's time is its arrival index minus up to this many ms. */
export const MAX_DISORDER = 2_000;

/** mulberry32: a small, fast, well-distributed 32-bit PRNG; returns floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * W1/W2 events: event i has ts = T0 + i + jitter with jitter uniform in [-disorder, 0] (integers), a
 * uniformly random key in 0..keys-1 and a random value. Event time advances 1 ms per event whatever
 * the number of keys, so the disorder stays bounded: with the default 2 s, the watermark (max ts seen
 * before i) - 2000 is always below event i's ts and no event is ever late. A larger `disorder` than
 * the bound a job is configured with makes late events (the semantics check uses that).
 */
export function* uniformEvents(
  n: number,
  seed = 1,
  keys: number = KEYS,
  disorder: number = MAX_DISORDER,
): Generator<BenchEvent> {
  const r = prng(seed);
  for (let i = 0; i < n; i++) {
    const jitter = -Math.floor(r() * (disorder + 1));
    yield { key: Math.floor(r() * keys), ts: T0 + i + jitter, value: Math.floor(r() * 1000) };
  }
}

/**
 * W3 events: bursty per-key activity. Each key alternates between a burst (5..40 s of event time)
 * and a pause drawn half from 2..28 s (the next burst joins the same 30 s session) and half from
 * 32..120 s (a new session starts). Each event goes to a random key that is in a burst (about a
 * third of the keys at a time). Event time advances 1 ms per event with up to 2 s of disorder, as
 * in W1 (`disorder`, default 2 s). With 1,000 keys in-burst gaps are far below 30 s and sessions
 * merge and split only at pauses; with many more keys (event time still advances 1 ms per event, a
 * third of the keys share the stream) a key's events are further apart, so sessions hold fewer events
 * (at 1M keys and 1 ms per event, mostly one): that is what high key cardinality does to sessions.
 */
export function* burstyEvents(
  n: number,
  seed = 3,
  keys: number = KEYS,
  disorder: number = MAX_DISORDER,
): Generator<BenchEvent> {
  const r = prng(seed);
  const burstEnd = new Float64Array(keys);
  const wakeAt = new Float64Array(keys);
  const active: number[] = [];
  const sleepers = new MinHeap((k) => wakeAt[k]!);
  const pause = () => (r() < 0.5 ? 2_000 + r() * 26_000 : 32_000 + r() * 88_000);
  for (let k = 0; k < keys; k++) {
    // Stagger the start: every key begins with a random part of a pause.
    wakeAt[k] = r() * 60_000;
    sleepers.push(k);
  }
  for (let i = 0; i < n; i++) {
    while (sleepers.size > 0 && (wakeAt[sleepers.peek()]! <= i || active.length === 0)) {
      const k = sleepers.pop();
      burstEnd[k] = Math.max(i, wakeAt[k]!) + 5_000 + r() * 35_000;
      active.push(k);
    }
    let j = Math.floor(r() * active.length);
    let k = active[j]!;
    while (burstEnd[k]! <= i && active.length > 1) {
      active[j] = active[active.length - 1]!;
      active.pop();
      wakeAt[k] = burstEnd[k]! + pause();
      sleepers.push(k);
      j = Math.floor(r() * active.length);
      k = active[j]!;
    }
    const jitter = -Math.floor(r() * (disorder + 1));
    yield { key: k, ts: T0 + i + jitter, value: Math.floor(r() * 1000) };
  }
}

/** A binary min-heap of small integers ordered by a priority function. */
class MinHeap {
  readonly #a: number[] = [];
  readonly #prio: (x: number) => number;
  constructor(prio: (x: number) => number) {
    this.#prio = prio;
  }
  get size(): number {
    return this.#a.length;
  }
  peek(): number {
    return this.#a[0]!;
  }
  push(x: number): void {
    const a = this.#a;
    let i = a.push(x) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.#prio(a[p]!) <= this.#prio(x)) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = x;
  }
  pop(): number {
    const a = this.#a;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const c = l + 1 < a.length && this.#prio(a[l + 1]!) < this.#prio(a[l]!) ? l + 1 : l;
        if (this.#prio(a[c]!) >= this.#prio(last)) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

/** Materializes a generator into an array (outside any timed region). */
export function materialize<T>(it: Iterable<T>): T[] {
  const out: T[] = [];
  for (const x of it) out.push(x);
  return out;
}

/** Reads `--name value` from the command line as a positive integer. */
export function intArg(name: string, fallback: number): number {
  const args = process.argv;
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const raw = args[i + 1] ?? "";
  const n = Number(raw.replaceAll("_", ""));
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${name} must be an integer >= 1: current value is ${raw}`);
  return n;
}

/** Reads `--name value` from the command line as a string. */
export function stringArg(name: string, fallback: string): string {
  const args = process.argv;
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : args[i + 1] ?? fallback;
}

/** The CPU time (user + system, ms) `f` takes, awaited. */
export async function cpuMs(f: () => unknown): Promise<number> {
  const c0 = process.cpuUsage();
  await f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

/** The median of `xs` (the upper one of an even count). */
export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
}
