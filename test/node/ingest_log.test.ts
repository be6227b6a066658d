// IngestLog: atomic appends with bounded entries, replay and live follow, truncation on commit,
// idempotency keys, pending counts, and failure atomicity.
import { describe, expect, test } from "vitest";
import {
  count,
  MemoryStateStore,
  type StateStore,
  StateStoreError,
  type StateStoreLimits,
  type StateStoreListOptions,
  type StateStoreOp,
  stream,
  tumbling,
} from "../../mod.ts";
import { IdempotencyConflictError, IngestLog } from "../../src/live/mod.ts";

/** A real memory store, seen through a wrapper that records calls, can claim tighter limits, and can fail a batch. */
class RecordingStore implements StateStore {
  readonly inner = new MemoryStateStore();
  limits: StateStoreLimits;
  batches: StateStoreOp[][] = [];
  reads = 0;
  failNextBatch = false;
  constructor(limits: Partial<StateStoreLimits> = {}) {
    this.limits = { maxBatchOps: Infinity, maxBatchKeyBytes: Infinity, ...limits };
  }
  get(key: string) {
    this.reads++;
    return this.inner.get(key);
  }
  put(key: string, value: Uint8Array) {
    return this.inner.put(key, value);
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
  list(prefix: string, options?: StateStoreListOptions) {
    this.reads++;
    return this.inner.list(prefix, options);
  }
  batch(ops: readonly StateStoreOp[]) {
    if (ops.length > this.limits.maxBatchOps) {
      return Promise.reject(new StateStoreError(`batch of ${ops.length} ops exceeds ${this.limits.maxBatchOps}`));
    }
    if (this.failNextBatch) {
      this.failNextBatch = false;
      return Promise.reject(new StateStoreError("disk full (injected)"));
    }
    this.batches.push([...ops]);
    return this.inner.batch(ops);
  }
  close() {
    return this.inner.close();
  }
}

async function readAll(
  log: IngestLog,
  from?: number,
  until?: number,
): Promise<{ values: unknown[]; offsets: number[] }> {
  const reader = log.open(from === undefined ? {} : { offset: from });
  const values: unknown[] = [];
  const offsets: number[] = [];
  const end = until ?? log.next;
  let at = from ?? log.start;
  while (at < end) {
    const r = await reader.next();
    if (r.done || r.value.type !== "elements") break;
    values.push(...r.value.values);
    at = r.value.offset as number;
    offsets.push(at);
  }
  await reader.return();
  return { values, offsets };
}

const views = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ country: "fr", ts: from + i, pad: "x".repeat(100) }));

describe("IngestLog", () => {
  test("append resolves with consecutive offsets, and a reopened log has every event", async () => {
    const store = new MemoryStateStore();
    const log = await IngestLog.open(store, { name: "v" });
    expect(await log.append(views(3))).toEqual({ first: 0, last: 2, count: 3, duplicate: false });
    expect(await log.append(views(2, 3))).toEqual({ first: 3, last: 4, count: 2, duplicate: false });
    await log.close();
    const again = await IngestLog.open(store, { name: "v" });
    expect(again.next).toBe(5);
    expect((await readAll(again)).values).toEqual(views(5));
  });

  test("a large batch is split into bounded entries written in one atomic store batch", async () => {
    const store = new RecordingStore();
    const log = await IngestLog.open(store, { maxEntryBytes: 1024 });
    await log.append(views(50));
    expect(store.batches).toHaveLength(1);
    const puts = store.batches[0]!.filter((op) => op.type === "put" && op.key.startsWith("ingest/events/e/"));
    expect(puts.length).toBeGreaterThan(5);
    for (const op of puts) expect((op as { value: Uint8Array }).value.length).toBeLessThanOrEqual(1024);
    expect((await readAll(log)).values).toEqual(views(50));
  });

  test("a batch beyond the store's atomic limits is refused before anything is written", async () => {
    const store = new RecordingStore({ maxBatchOps: 4 });
    const log = await IngestLog.open(store, { maxEntryBytes: 512 });
    await expect(log.append(views(20))).rejects.toThrow(RangeError);
    expect(store.batches).toHaveLength(0);
    expect(log.next).toBe(0);
  });

  test("concurrent appends are grouped into store batches within the store's limits, in call order", async () => {
    const store = new RecordingStore({ maxBatchOps: 5 });
    const log = await IngestLog.open(store, { maxEntryBytes: 512 });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => log.append(views(2, i * 2))));
    expect(results.map((r) => r.first)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    for (const b of store.batches) expect(b.length).toBeLessThanOrEqual(5);
    expect(store.batches.length).toBeLessThan(10);
    expect((await readAll(log)).values).toEqual(views(20));
  });

  test("a failed store write rejects the append and leaves the log as it was", async () => {
    const store = new RecordingStore();
    const log = await IngestLog.open(store);
    await log.append(views(2));
    store.failNextBatch = true;
    await expect(log.append(views(3, 2))).rejects.toThrow(StateStoreError);
    expect([log.next, log.pending]).toEqual([2, 2]);
    expect(await log.append(views(1, 2))).toMatchObject({ first: 2, last: 2 });
    expect((await readAll(log)).values).toEqual(views(3));
  });

  test("an event that is not JSON is refused and nothing of its batch is appended", async () => {
    const log = await IngestLog.open(new MemoryStateStore());
    await expect(log.append([{ ts: 1 }, { ts: 2n }])).rejects.toThrow(/event #1 .*JSON/);
    await expect(log.append([{ ts: 1 }, undefined])).rejects.toThrow(TypeError);
    await expect(log.append([])).rejects.toThrow(RangeError);
    expect(log.next).toBe(0);
  });

  test("a reader replays from an offset, then follows appends live from memory, without store reads", async () => {
    const store = new RecordingStore();
    const log = await IngestLog.open(store);
    await log.append(views(3));
    const reader = log.open({ offset: 1 });
    const first = await reader.next();
    expect(first.value).toEqual({ type: "elements", values: views(3).slice(1), offset: 3 });
    const readsBefore = store.reads;
    const waiting = reader.next();
    await log.append(views(2, 3));
    expect((await waiting).value).toEqual({ type: "elements", values: views(2, 3), offset: 5 });
    expect(store.reads).toBe(readsBefore);
    await reader.return();
  });

  test("return() and an abort end a reader that is waiting for appends", async () => {
    const log = await IngestLog.open(new MemoryStateStore());
    const reader = log.open({});
    const waiting = reader.next();
    await reader.return();
    expect(await waiting).toEqual({ done: true, value: undefined });
    const abort = new AbortController();
    const r2 = log.open({ signal: abort.signal });
    const w2 = r2.next();
    abort.abort();
    expect(await w2).toEqual({ done: true, value: undefined });
    expect(log.readers).toBe(0);
  });

  test("pending counts appended events no reader has read yet", async () => {
    const log = await IngestLog.open(new MemoryStateStore());
    const appending = log.append(views(4));
    expect(log.pending).toBe(4);
    await appending;
    const reader = log.open({});
    await reader.next();
    expect(log.pending).toBe(0);
    await log.append(views(2, 4));
    expect(log.pending).toBe(2);
    await reader.return();
  });

  test("commit deletes the entries wholly below the offset and keeps the rest replayable", async () => {
    const store = new MemoryStateStore();
    const log = await IngestLog.open(store);
    await log.append(views(2));
    await log.append(views(3, 2));
    await log.append(views(1, 5));
    // entries: [0,2) [2,5) [5,6); commit at 3 keeps [2,5) because offset 3 is inside it
    await log.commit(3);
    expect(await store.list("ingest/events/e/")).toHaveLength(2);
    expect(log.start).toBe(2);
    expect((await readAll(log, 3)).values).toEqual(views(6).slice(3));
    await log.commit(5);
    expect(log.start).toBe(5);
    const reopened = await IngestLog.open(store);
    expect([reopened.start, reopened.next]).toEqual([5, 6]);
    expect(() => reopened.open({ offset: 2 })).toThrow(/truncated up to 5/);
    await expect(log.commit(99)).rejects.toThrow(RangeError);
  });

  test("an idempotency key returns the first offsets, survives reopening, and is forgotten beyond the bound", async () => {
    const store = new MemoryStateStore();
    const log = await IngestLog.open(store, { maxIdempotencyKeys: 2 });
    expect(await log.append(views(2), { idempotencyKey: "a" })).toMatchObject({ first: 0, duplicate: false });
    expect(await log.append(views(2), { idempotencyKey: "a" })).toEqual({
      first: 0,
      last: 1,
      count: 2,
      duplicate: true,
    });
    await expect(log.append(views(3), { idempotencyKey: "a" })).rejects.toThrow(IdempotencyConflictError);
    await log.append(views(1, 2), { idempotencyKey: "b" });
    const reopened = await IngestLog.open(store, { maxIdempotencyKeys: 2 });
    expect(await reopened.append(views(1, 2), { idempotencyKey: "b" })).toMatchObject({ first: 2, duplicate: true });
    await reopened.append(views(1, 3), { idempotencyKey: "c" });
    // "a" is the oldest of three keys: forgotten, so the same batch is appended again.
    expect(await reopened.append(views(2), { idempotencyKey: "a" })).toMatchObject({ first: 4, duplicate: false });
    expect(reopened.next).toBe(6);
    expect(await store.list("ingest/events/k/")).toHaveLength(2);
  });

  test("an idempotency key reused with another fingerprint is a conflict, also after reopening and in flight", async () => {
    const store = new MemoryStateStore();
    const log = await IngestLog.open(store);
    await log.append(views(1), { idempotencyKey: "a", fingerprint: "f1" });
    // Same size, other content: the fingerprint tells them apart.
    await expect(log.append(views(1, 1), { idempotencyKey: "a", fingerprint: "f2" })).rejects.toThrow(
      /Idempotency key "a" was used for a different batch \(1 events, fingerprint f1…\); this batch has 1 events, fingerprint f2…/,
    );
    expect(await log.append(views(1), { idempotencyKey: "a", fingerprint: "f1" })).toMatchObject({ duplicate: true });
    // Without a fingerprint on either side, only sizes are compared.
    expect(await log.append(views(1, 1), { idempotencyKey: "a" })).toMatchObject({ duplicate: true });
    const reopened = await IngestLog.open(store);
    await expect(reopened.append(views(1), { idempotencyKey: "a", fingerprint: "f2" })).rejects.toThrow(
      IdempotencyConflictError,
    );
    const racing = await Promise.allSettled([
      reopened.append(views(1), { idempotencyKey: "b", fingerprint: "g1" }),
      reopened.append(views(1), { idempotencyKey: "b", fingerprint: "g2" }),
    ]);
    expect(racing.map((r) => r.status)).toEqual(["fulfilled", "rejected"]);
    expect(reopened.next).toBe(2);
  });

  test("misspelled options of open, append and reading are TypeErrors listing the valid names", async () => {
    const store = new MemoryStateStore();
    await expect(IngestLog.open(store, { maxEntryByte: 10 } as object)).rejects.toThrow(
      /Cannot open ingestion log as "maxEntryByte" is not an option \(did you mean "maxEntryBytes"\?\): valid options are "name", /,
    );
    const log = await IngestLog.open(store);
    await expect(log.append(views(1), { idempotencykey: "a" } as object)).rejects.toThrow(
      /"idempotencykey" is not an option \(did you mean "idempotencyKey"\?\)/,
    );
    expect(() => log.open({ ofset: 0 } as object)).toThrow(/"ofset" is not an option \(did you mean "offset"\?\)/);
    await expect(log.append(views(1), { fingerprint: "" })).rejects.toThrow(TypeError);
  });

  test("concurrent appends with one idempotency key append once", async () => {
    const log = await IngestLog.open(new MemoryStateStore());
    const [a, b] = await Promise.all([
      log.append(views(2), { idempotencyKey: "k" }),
      log.append(views(2), { idempotencyKey: "k" }),
    ]);
    expect([a.first, b.first, a.duplicate, b.duplicate]).toEqual([0, 0, false, true]);
    expect(log.next).toBe(2);
  });

  test("a job reads the log as a replayable source and is unaffected by how batches were split", async () => {
    const log = await IngestLog.open(new MemoryStateStore(), { maxEntryBytes: 200 });
    const events = Array.from({ length: 40 }, (_, i) => ({ country: i % 3 === 0 ? "de" : "fr", ts: i * 10 }));
    await log.append(events.slice(0, 17));
    await log.append(events.slice(17));
    const results = stream(log)
      .withEventTime((e) => (e as { ts: number }).ts, { maxOutOfOrderness: 0 })
      .keyBy((e) => (e as { country: string }).country)
      .window(tumbling(100))
      .aggregate(count());
    const got: [unknown, number, number][] = [];
    const reader = results.toReadableStream().getReader();
    while (got.length < 6) {
      const r = await reader.read();
      if (r.done) break;
      got.push([r.value.key, r.value.window.start, r.value.value]);
    }
    await reader.cancel();
    const expected = await stream(events)
      .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
      .keyBy((e) => e.country)
      .window(tumbling(100))
      .aggregate(count())
      .toArray();
    expect(got.sort()).toEqual(
      expected.filter((r) => r.window.end <= 390).map((r) => [r.key, r.window.start, r.value]).sort(),
    );
  });
});
