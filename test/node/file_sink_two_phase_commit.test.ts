// The two-phase-commit protocol as the checkpointer drives it, seen by a committer that records every
// call: recover before any write, prepare at each barrier after the writes before it, commit once the
// checkpoint's manifest is in the store, and on restart the restored checkpoint's own description.
import { describe, expect, test } from "vitest";
import {
  CheckpointError,
  count,
  MemoryStateStore,
  type RestoredSinkCheckpoint,
  type SinkCheckpoint,
  type Source,
  stream,
  tumbling,
  TwoPhaseCommitSink,
} from "../../mod.ts";
import { arraySource, makeEvents, stopAfter, untilStopped } from "../scenarios/_checkpoint_helpers.ts";
import type { Ev } from "../scenarios/_checkpoint_helpers.ts";

type Call =
  | { step: "recover"; restored: RestoredSinkCheckpoint<{ seq: number; writes: number }> | null }
  | { step: "write" }
  | { step: "prepare"; checkpoint: SinkCheckpoint | null }
  | { step: "commit"; seq: number; manifests: string[] }
  | { step: "close" }
  | { step: "abort" };

function recording(store: MemoryStateStore, failPrepareAt = -1) {
  const calls: Call[] = [];
  let writes = 0;
  const sink = new TwoPhaseCommitSink<unknown, { seq: number; writes: number }>({
    recover: (restored) => void calls.push({ step: "recover", restored }),
    write: () => {
      writes++;
      calls.push({ step: "write" });
    },
    prepare: (checkpoint) => {
      calls.push({ step: "prepare", checkpoint });
      if (checkpoint?.seq === failPrepareAt) throw new Error("cannot flush");
      return { seq: checkpoint?.seq ?? -1, writes };
    },
    commit: async (pending) => {
      const manifests = (await store.list("ckpt/j/m/")).map((k) => k.slice("ckpt/j/m/".length));
      calls.push({ step: "commit", seq: pending.seq, manifests });
    },
    close: () => void calls.push({ step: "close" }),
    abort: () => void calls.push({ step: "abort" }),
  });
  return { sink, calls };
}

const pipeline = (source: Source<Ev> | Ev[]) =>
  stream(source)
    .withEventTime((e) => e.ts, { maxOutOfOrderness: 30 })
    .keyBy((e) => e.k)
    .window(tumbling(100), { onLate: () => {} })
    .aggregate(count());

const pad = (seq: number) => String(seq).padStart(12, "0");

describe("TwoPhaseCommitSink", () => {
  test("recover comes first, each prepare follows the writes before its barrier, each commit its durable manifest", async () => {
    const store = new MemoryStateStore();
    const events = makeEvents(600, 4);
    const { sink, calls } = recording(store);
    await pipeline(arraySource(events, 20)).checkpoint({ store, id: "j", every: { events: 100 } }).pipeTo(sink);
    expect(calls[0]).toEqual({ step: "recover", restored: null });
    expect(calls.at(-1)).toEqual({ step: "close" });
    const prepares = calls.filter((c) => c.step === "prepare");
    const commits = calls.filter((c) => c.step === "commit");
    expect(prepares.map((p) => p.checkpoint)).toEqual(prepares.map((_, seq) => ({ job: "j", seq })));
    expect(prepares.length).toBeGreaterThan(4);
    // Each commit comes after its checkpoint's manifest is in the store, and before the next prepare.
    expect(commits.map((c) => c.seq)).toEqual(prepares.map((_, seq) => seq));
    for (const c of commits) expect(c.manifests).toContain(pad(c.seq));
    let open = -1;
    for (const c of calls) {
      if (c.step === "prepare") {
        expect(open).toBe(-1);
        open = c.checkpoint!.seq;
      } else if (c.step === "commit") {
        expect(c.seq).toBe(open);
        open = -1;
      }
    }
    expect(calls.filter((c) => c.step === "write")).toHaveLength((await pipeline(events).toArray()).length);
  });

  test("a restart hands recover the restored checkpoint and what was prepared for it", async () => {
    const store = new MemoryStateStore();
    const events = makeEvents(600, 4);
    const job = (source: Source<Ev>) => pipeline(source).checkpoint({ store, id: "j", every: { events: 100 } });
    const first = recording(store);
    const controller = new AbortController();
    await untilStopped(
      job(stopAfter(arraySource(events, 20), 17, controller)).pipeTo(first.sink, { signal: controller.signal }),
      controller,
    );
    expect(first.calls.at(-1)).toEqual({ step: "abort" });
    const lastPrepare = first.calls.filter((c) => c.step === "prepare").at(-1)!;
    const seq = lastPrepare.checkpoint!.seq;
    const writesBefore =
      first.calls.slice(0, first.calls.indexOf(lastPrepare)).filter((c) => c.step === "write").length;
    const second = recording(store);
    await job(arraySource(events, 20)).pipeTo(second.sink);
    expect(second.calls[0]).toEqual({
      step: "recover",
      restored: { job: "j", seq, pending: { seq, writes: writesBefore } },
    });
    // The second run writes exactly what the first had not prepared.
    const total = (await pipeline(events).toArray()).length;
    expect(second.calls.filter((c) => c.step === "write")).toHaveLength(total - writesBefore);
    expect(second.calls.filter((c) => c.step === "prepare")[0]!.checkpoint).toEqual({ job: "j", seq: seq + 1 });
  });

  test("a prepare that fails fails the job with a CheckpointError, and that checkpoint is never written", async () => {
    const store = new MemoryStateStore();
    const { sink, calls } = recording(store, 2);
    const failed = await pipeline(arraySource(makeEvents(600, 4), 20))
      .checkpoint({ store, id: "j", every: { events: 100 } })
      .pipeTo(sink)
      .catch((e) => e);
    expect(failed).toBeInstanceOf(CheckpointError);
    expect(failed.message).toBe('Cannot take checkpoint 2 of job "j": the sink failed to prepare: cannot flush');
    expect(await store.list("ckpt/j/m/")).toEqual([`ckpt/j/m/${pad(0)}`, `ckpt/j/m/${pad(1)}`]);
    expect(calls.at(-1)).toEqual({ step: "abort" });
  });

  test("without checkpoints, closing is the one prepare (with no checkpoint) and commit", async () => {
    const store = new MemoryStateStore();
    const { sink, calls } = recording(store);
    await pipeline(makeEvents(50, 2)).pipeTo(sink);
    expect(calls.filter((c) => c.step !== "write")).toEqual([
      { step: "prepare", checkpoint: null },
      { step: "commit", seq: -1, manifests: [] },
      { step: "close" },
    ]);
  });
});
