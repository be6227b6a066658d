// Every kind of damage a checkpoint can suffer is detected, the damaged checkpoint is skipped with a
// warning for the newest intact one, and the job still ends with exactly the uninterrupted results.
import { describe, expect, test } from "vitest";
import { count, sum } from "../../src/aggregate/mod.ts";
import { type DamagedResults, readResults } from "../../src/checkpoint/read_results.ts";
import { storeSink } from "../../src/checkpoint/store_sink.ts";
import { CheckpointError } from "../../src/errors.ts";
import type { Source } from "../../src/pipeline/source.ts";
import { stream } from "../../src/pipeline/stream.ts";
import { MemoryStateStore } from "../../src/state/memory_store.ts";
import { tumbling } from "../../src/window/tumbling.ts";
import type { WindowResult } from "../../src/window/types.ts";
import {
  arraySource,
  byId,
  capturingWarnings,
  type Ev,
  flipByte,
  makeEvents,
  stopAfter,
  truncate,
  untilStopped,
} from "../scenarios/_checkpoint_helpers.ts";

const EVENTS = makeEvents(800, 9, 3);
const job = (store: MemoryStateStore, src: Source<Ev>) =>
  stream(src)
    .withEventTime((e) => e.ts, { maxOutOfOrderness: 30 })
    .keyBy((e) => e.k)
    .window(tumbling(80), { onLate: () => {} })
    .aggregate({ n: count(), total: sum((e: Ev) => e.v) })
    .checkpoint({ store, id: "j", every: { events: 100 }, keep: 3 });

const pad = (n: number) => String(n).padStart(12, "0");

/** A store holding checkpoints 0..5 (3..5 kept) of a run stopped after 43 of its 50 steps. */
async function stoppedRun(): Promise<MemoryStateStore> {
  const store = new MemoryStateStore();
  const c = new AbortController();
  await untilStopped(
    job(store, stopAfter(arraySource(EVENTS, 16), 43, c)).pipeTo(storeSink({ store, job: "j" }), { signal: c.signal }),
    c,
  );
  expect(await store.list("ckpt/j/m/")).toStrictEqual([3, 4, 5].map((s) => `ckpt/j/m/${pad(s)}`));
  return store;
}

/** Restarts the job to the end; returns the checkpoint warnings. Results must be exact. */
async function restart(store: MemoryStateStore): Promise<string[]> {
  const { warnings } = await capturingWarnings(() =>
    job(store, arraySource(EVENTS, 16)).pipeTo(storeSink({ store, job: "j" }))
  );
  const expected = await stream(arraySource(EVENTS, 16)).withEventTime((e) => e.ts, { maxOutOfOrderness: 30 }).keyBy((
    e,
  ) => e.k)
    .window(tumbling(80), { onLate: () => {} }).aggregate({ n: count(), total: sum((e: Ev) => e.v) }).toArray();
  expect(byId("j", await readResults(store, "j"))).toStrictEqual(byId("j", expected));
  return warnings.filter((w) => w.includes("checkpoint"));
}

const damages: [string, (s: MemoryStateStore) => Promise<void>, RegExp][] = [
  [
    "a missing manifest (a crash before the last write)",
    (s) => s.delete(`ckpt/j/m/${pad(5)}`),
    /checkpoint 5 .*no manifest, so its write was interrupted/,
  ],
  [
    "a missing state chunk",
    (s) => s.delete(`ckpt/j/s/${pad(5)}/0001/000000`),
    /checkpoint 5 .*is missing state chunk ckpt\/j\/s\/000000000005\/0001\/000000/,
  ],
  [
    "a truncated state chunk",
    (s) => truncate(s, `ckpt/j/s/${pad(5)}/0001/000000`, 40),
    /checkpoint 5 .*header announces \d+ payload bytes but it holds 24 \(truncated or extended\)/,
  ],
  [
    "a flipped bit in a state chunk's payload",
    (s) => flipByte(s, `ckpt/j/s/${pad(5)}/0001/000000`, -1),
    /checkpoint 5 .*checksum does not match/,
  ],
  [
    "a flipped bit in a state chunk's header",
    (s) => flipByte(s, `ckpt/j/s/${pad(5)}/0001/000000`, 9),
    /checkpoint 5 .*header announces/,
  ],
  [
    "a flipped bit in the manifest",
    (s) => flipByte(s, `ckpt/j/m/${pad(5)}`, 30),
    /checkpoint 5 .*damaged manifest .*checksum does not match/,
  ],
  [
    "a truncated manifest",
    (s) => truncate(s, `ckpt/j/m/${pad(5)}`, 10),
    /checkpoint 5 .*damaged manifest .*shorter than its header/,
  ],
  [
    "an unknown format version",
    (s) => flipByte(s, `ckpt/j/m/${pad(5)}`, 3),
    /checkpoint 5 .*format version 0, and this version of weir reads version 1/,
  ],
  [
    "a state chunk of another checkpoint in its place",
    async (s) => s.put(`ckpt/j/s/${pad(5)}/0001/000000`, (await s.get(`ckpt/j/s/${pad(4)}/0001/000000`))!),
    /checkpoint 5 .*that its manifest does not list/,
  ],
  ["a missing result chunk", (s) => s.delete(`ckpt/j/r/${pad(5)}/000000`), /checkpoint 5 .*is missing result chunk/],
  [
    "a damaged result chunk",
    (s) => flipByte(s, `ckpt/j/r/${pad(5)}/000000`, 20),
    /checkpoint 5 .*damaged result chunk/,
  ],
];

describe("damaged checkpoints", () => {
  for (const [what, damage, message] of damages) {
    test(`${what} is detected and the previous checkpoint restored`, async () => {
      const store = await stoppedRun();
      await damage(store);
      const warnings = await restart(store);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(message);
      expect(warnings[0]).toMatch(/trying checkpoint 4 instead|it is deleted/);
    });
  }

  test("a torn checkpoint (entries written, no manifest) and a damaged one before it are both skipped", async () => {
    const store = await stoppedRun();
    await store.put(`ckpt/j/s/${pad(6)}/0000/000000`, new Uint8Array(10));
    await flipByte(store, `ckpt/j/s/${pad(5)}/0000/000000`, -2);
    const warnings = await restart(store);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/checkpoint 6 .*no manifest/);
    expect(warnings[1]).toMatch(/checkpoint 5 .*checksum.*trying checkpoint 4 instead/);
  });

  test("when every checkpoint is damaged the job starts from scratch, and still ends exact", async () => {
    const store = await stoppedRun();
    for (const s of [3, 4, 5]) await flipByte(store, `ckpt/j/m/${pad(s)}`, -1);
    const warnings = await restart(store);
    expect(warnings).toHaveLength(3);
    expect(warnings[2]).toMatch(/checkpoint 3 .*no earlier checkpoint is left, so the job starts from scratch/);
  });

  test("a restore never half-applies: nothing of the damaged checkpoint reaches the operators", async () => {
    // Only the window operator's chunk of checkpoint 5 is missing: restoring the intact event-time
    // operator alone would put the watermark past windows whose state is gone, losing them; the
    // exact results show that nothing of checkpoint 5 was used.
    const store = await stoppedRun();
    const keys = await store.list(`ckpt/j/s/${pad(5)}/`);
    await store.delete(keys[keys.length - 1]!);
    const warnings = await restart(store);
    expect(warnings).toHaveLength(1);
  });

  test("damaged results of an older checkpoint make readResults fail instead of returning less", async () => {
    const store = await stoppedRun();
    await flipByte(store, `ckpt/j/r/${pad(1)}/000000`, -1);
    await expect(readResults(store, "j")).rejects.toThrow(CheckpointError);
    await expect(readResults(store, "j")).rejects.toThrow(
      /result chunk ckpt\/j\/r\/000000000001\/000000 is damaged: its checksum/,
    );
    await store.delete(`ckpt/j/r/${pad(1)}/000000`);
    await expect(readResults(store, "j")).rejects.toThrow(
      /the store holds \d+ results where checkpoint 5 records \d+ \(result entries were lost\)/,
    );
  });
});

/** The results of an undamaged copy of `store`, in commit order. */
async function intactResults(store: MemoryStateStore): Promise<WindowResult[]> {
  return await readResults(store, "j");
}

describe("damaged committed results", () => {
  for (const seq of [1, 3]) {
    test(`of checkpoint ${seq} (manifest ${seq < 3 ? "pruned" : "kept"}) are reported at restore and located by readResults`, async () => {
      const store = await stoppedRun();
      const all = await intactResults(store);
      await flipByte(store, `ckpt/j/r/${pad(seq)}/000000`, -1);
      // At restore: one warning naming the entry and the results lost; the job runs on to the end.
      const { warnings } = await capturingWarnings(() =>
        job(store, arraySource(EVENTS, 16)).pipeTo(storeSink({ store, job: "j" }))
      );
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        new RegExp(
          `job "j" has damaged committed results: result chunk ckpt/j/r/${pad(seq)}/000000 is damaged: ` +
            `its checksum does not match.*; results \\d+ to \\d+ of \\d+ \\(counted from 0 in commit order\\) are lost`,
        ),
      );
      // readResults: every intact result, and the damaged range named.
      await expect(readResults(store, "j")).rejects.toThrow(CheckpointError);
      const damaged: DamagedResults[] = [];
      const results = await readResults(store, "j", { onDamaged: (d) => damaged.push(d) });
      expect(damaged).toHaveLength(1);
      const [d] = damaged;
      expect(d!.checkpoint).toBe(seq);
      expect(d!.keys).toStrictEqual([`ckpt/j/r/${pad(seq)}/000000`]);
      expect(warnings[0]).toContain(`results ${d!.from} to ${d!.to - 1} of `);
      // The ones returned are exactly the others, by position (the run after the restore appended more).
      expect(results.slice(0, all.length - (d!.to - d!.from))).toStrictEqual([
        ...all.slice(0, d!.from),
        ...all.slice(d!.to),
      ]);
      expect(d!.to - d!.from).toBeGreaterThan(0);
    });
  }

  test("damage in two checkpoints whose manifests are pruned is reported for both, over the span they share", async () => {
    const store = await stoppedRun();
    const all = await intactResults(store);
    await truncate(store, `ckpt/j/r/${pad(0)}/000000`, 10);
    await flipByte(store, `ckpt/j/r/${pad(2)}/000000`, 20);
    const damaged: DamagedResults[] = [];
    const results = await readResults(store, "j", { onDamaged: (d) => damaged.push(d) });
    expect(damaged.map((d) => d.checkpoint)).toStrictEqual([0, 2]);
    // Checkpoint 0's results are lost from the first; checkpoint 2's end where checkpoint 3's begin.
    const [first, second] = damaged;
    expect([first!.from, second!.from, first!.to]).toStrictEqual([0, 0, second!.to]);
    // Returned: checkpoint 1's results, then everything from checkpoint 3 on.
    expect(results.slice(results.length - (all.length - second!.to))).toStrictEqual(all.slice(second!.to));
    expect(results.length).toBeLessThan(all.length - second!.to + second!.to);
  });

  test("onDamaged must be a function, and options take no other names", async () => {
    const store = await stoppedRun();
    await expect(readResults(store, "j", { onDamaged: 1 as never })).rejects.toThrow(TypeError);
    await expect(readResults(store, "j", { onDamage: () => {} } as never)).rejects.toThrow(/onDamaged/);
  });
});
