// Shared by the checkpoint scenarios and the Node checkpoint tests: replayable sources that stop a run
// at a chosen step, pipelines to checkpoint, and ways to look at what a store holds.
import type { Source, SourceEvent } from "../../src/pipeline/source.ts";
import type { StateStore, StateStoreLimits, StateStoreListOptions, StateStoreOp } from "../../src/state/state_store.ts";
import { MemoryStateStore } from "../../src/state/memory_store.ts";
import { StateStoreError } from "../../src/errors.ts";
import { resultId } from "../../src/window/result_id.ts";
import type { WindowResult } from "../../src/window/types.ts";

export interface Ev {
  k: string;
  ts: number;
  v: number;
}

/** A replayable array source (offset = index) in chunks of `chunk`, counting the chunks it hands out. */
export function arraySource<T>(items: readonly T[], chunk: number, stats = { chunks: 0 }): Source<T> {
  return {
    kind: "source",
    replayable: true,
    *open({ offset }): Generator<SourceEvent<T>> {
      for (let i = (offset as number | undefined) ?? 0; i < items.length; i += chunk) {
        stats.chunks++;
        yield { type: "elements", values: items.slice(i, i + chunk), offset: Math.min(items.length, i + chunk) };
      }
    },
  };
}

/**
 * Wraps `source` so that the run stops after its `steps`-th event: the job finishes that step (and
 * the checkpoint it may trigger), then sees `controller`'s abort at the top of its loop. That is a
 * process stopping between two steps; the crash test kills real processes anywhere.
 */
export function stopAfter<T>(source: Source<T>, steps: number, controller: AbortController): Source<T> {
  return {
    kind: "source",
    replayable: source.replayable,
    async *open(options) {
      let n = 0;
      const it = source.open(options);
      try {
        for (;;) {
          const r = await it.next();
          if (r.done) return;
          if (++n >= steps) controller.abort(new Error(`stopped after step ${steps}`));
          yield r.value;
        }
      } finally {
        await it.return?.();
      }
    },
  };
}

/** Runs `run`, expecting it to be stopped by `controller` (and nothing else to fail). */
export async function untilStopped(run: Promise<unknown>, controller: AbortController): Promise<void> {
  try {
    await run;
  } catch (e) {
    if (!controller.signal.aborted || e !== controller.signal.reason) throw e;
  }
}

/** Deterministic events: `n` events over `keys` keys, event times rising with some disorder. */
export function makeEvents(n: number, keys: number, seed = 1): Ev[] {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  return Array.from(
    { length: n },
    (_, i) => ({
      k: `k${Math.floor(next() * keys)}`,
      ts: i * 10 - Math.floor(next() * 30),
      v: Math.floor(next() * 100),
    }),
  );
}

/**
 * Results as `[resultId, result]` pairs sorted by id, failing on a duplicate id. Results are compared
 * this way: windows that fire at the same watermark have no defined order among themselves (in Beam
 * and Flink neither), and a restored run may emit them in another order than an uninterrupted one.
 */
export function byId(job: string, results: readonly WindowResult[]): [string, WindowResult][] {
  const pairs = results.map((r) => [resultId(job, r), r] as [string, WindowResult]).sort((
    a,
    b,
  ) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (let i = 1; i < pairs.length; i++) {
    if (pairs[i]![0] === pairs[i - 1]![0]) throw new Error(`result id ${pairs[i]![0]} occurs more than once`);
  }
  return pairs;
}

/** Changes one byte of the entry at `key` (flipping its low bit at `at`, from the end when negative). */
export async function flipByte(store: StateStore, key: string, at: number): Promise<void> {
  const v = (await store.get(key))!;
  const i = at < 0 ? v.length + at : at;
  v[i]! ^= 1;
  await store.put(key, v);
}

/** Cuts the entry at `key` to `length` bytes. */
export async function truncate(store: StateStore, key: string, length: number): Promise<void> {
  const v = (await store.get(key))!;
  await store.put(key, v.subarray(0, length));
}

/**
 * A memory store with the batch limits of a small key-value backend, enforcing them as such a backend
 * does (a batch beyond them rejects and applies nothing), and recording the batches it applied.
 */
export class LimitedStore implements StateStore {
  readonly limits: StateStoreLimits;
  readonly inner = new MemoryStateStore();
  readonly batches: string[][] = [];
  constructor(maxBatchOps: number) {
    this.limits = { maxBatchOps, maxBatchKeyBytes: Infinity };
  }
  get(key: string) {
    return this.inner.get(key);
  }
  put(key: string, value: Uint8Array) {
    return this.inner.put(key, value);
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
  list(prefix: string, options?: StateStoreListOptions) {
    return this.inner.list(prefix, options);
  }
  async batch(ops: readonly StateStoreOp[]) {
    if (ops.length > this.limits.maxBatchOps) {
      throw new StateStoreError(`batch of ${ops.length} operations is over the limit of ${this.limits.maxBatchOps}`);
    }
    await this.inner.batch(ops);
    this.batches.push(ops.map((o) => `${o.type} ${o.key}`));
  }
  close() {
    return this.inner.close();
  }
}

/** Captures console.warn messages while `fn` runs. */
export async function capturingWarnings<T>(fn: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(" "));
  try {
    return { result: await fn(), warnings };
  } finally {
    console.warn = original;
  }
}
