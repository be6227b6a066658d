/// <reference types="node" />
// Damage rounds: every file of the newest checkpoint is damaged in turn, in every byte range (cut to 0
// bytes, to 10, to its store header alone, stripped of that header, cut in half, and one byte flipped in
// each header byte and in each sixteenth of the file), on the filesystem store; the memory store gets the
// same damage to its values. Each time a restart must skip the damaged checkpoint with a warning, restore
// the one before, and end with exactly the results of an uninterrupted run; readResults never fails.
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FsStateStore } from "../../adapters/fs/mod.ts";
import { count, sum } from "../../src/aggregate/mod.ts";
import { readResults } from "../../src/checkpoint/read_results.ts";
import { storeSink } from "../../src/checkpoint/store_sink.ts";
import type { Source } from "../../src/pipeline/source.ts";
import { stream } from "../../src/pipeline/stream.ts";
import { MemoryStateStore } from "../../src/state/memory_store.ts";
import type { StateStore } from "../../src/state/state_store.ts";
import { tumbling } from "../../src/window/tumbling.ts";
import type { WindowResult } from "../../src/window/types.ts";
import {
  arraySource,
  byId,
  capturingWarnings,
  type Ev,
  makeEvents,
  stopAfter,
  untilStopped,
} from "../scenarios/_checkpoint_helpers.ts";

const EVENTS = makeEvents(400, 7, 5);
const job = (store: StateStore, src: Source<Ev>) =>
  stream(src)
    .withEventTime((e) => e.ts, { maxOutOfOrderness: 30 })
    .keyBy((e) => e.k)
    .window(tumbling(80), { onLate: () => {} })
    .aggregate({ n: count(), total: sum((e: Ev) => e.v) })
    .checkpoint({ store, id: "j", every: { events: 56 }, keep: 3 });
const NEWEST = "000000000005";

/**
 * Damages of a stored value (`header` bytes of store framing, then the checkpoint entry's 16-byte header
 * and payload): [what, new bytes]. `fine` flips every header byte and a byte in each sixteenth of the
 * file; otherwise one byte per header field and per eighth (the filesystem rounds cost fsyncs).
 */
function damages(file: Uint8Array, header: number, fine: boolean): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = [
    ["cut to 0 bytes", file.subarray(0, 0)],
    ["cut to 10 bytes", file.subarray(0, 10)],
    ["cut in half", file.subarray(0, file.length >> 1)],
  ];
  if (header > 0) {
    out.push(["cut to its store header", file.subarray(0, header)], [
      "without its store header",
      file.subarray(header),
    ]);
  }
  const flip = (at: number): Uint8Array => {
    const copy = file.slice();
    copy[at] = copy[at]! ^ 0x20;
    return copy;
  };
  // Store header: magic, key length, key; entry header: signature, version, kind, padding, length, CRC.
  const fields = [0, 7, header >> 1].filter((at) => at < header).concat([0, 3, 4, 5, 8, 12].map((at) => header + at));
  const flips = fine ? Array.from({ length: header + 16 }, (_, at) => at) : fields;
  const parts = fine ? 16 : 8;
  for (let i = 0; i < parts; i++) flips.push(Math.floor(((i + 0.5) * file.length) / parts));
  for (const at of new Set(flips)) out.push([`byte ${at} of ${file.length} flipped`, flip(at)]);
  return out;
}

let expected: [string, WindowResult][];
beforeAll(async () => {
  expected = byId(
    "j",
    await stream(arraySource(EVENTS, 8)).withEventTime((e) => e.ts, { maxOutOfOrderness: 30 }).keyBy((e) => e.k)
      .window(tumbling(80), { onLate: () => {} }).aggregate({ n: count(), total: sum((e: Ev) => e.v) }).toArray(),
  );
});

/** Stops a run after 43 of 50 steps: checkpoints 3..5 are kept. */
async function stoppedRun(store: StateStore): Promise<void> {
  const c = new AbortController();
  await untilStopped(
    job(store, stopAfter(arraySource(EVENTS, 8), 43, c)).pipeTo(storeSink({ store, job: "j" }), { signal: c.signal }),
    c,
  );
}

/** Reads what the store holds now, restarts the job to the end, checks the results; returns the warnings. */
async function restartExact(store: StateStore): Promise<string[]> {
  // readResults works on the damaged store too (an older checkpoint's results, or none).
  const before = await readResults(store, "j");
  expect(before.length).toBeLessThanOrEqual(expected.length);
  const { warnings } = await capturingWarnings(() =>
    job(store, arraySource(EVENTS, 8)).pipeTo(storeSink({ store, job: "j" }))
  );
  expect(byId("j", await readResults(store, "j"))).toStrictEqual(expected);
  return warnings.filter((w) => w.includes("checkpoint"));
}

describe("damage rounds over every file of the newest checkpoint", () => {
  let root: string;
  let pristine: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "weir-damage-"));
    pristine = join(root, "pristine");
    const store = await FsStateStore.open(pristine);
    await stoppedRun(store);
    expect(await store.list("ckpt/j/m/")).toStrictEqual(
      [3, 4, 5].map((s) => `ckpt/j/m/${String(s).padStart(12, "0")}`),
    );
    await store.close();
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  test("filesystem store: each damage is skipped with a warning and the job still ends exact", async () => {
    const store = await FsStateStore.open(pristine);
    const keys = (await store.list("ckpt/j/")).filter((k) => k.includes(NEWEST));
    await store.close();
    expect(keys.length).toBeGreaterThanOrEqual(4); // manifest, two operators' state, results
    const files = (await readdir(join(pristine, "data"))).filter((f) =>
      keys.some((k) => f === "k" + Buffer.from(k).toString("hex"))
    );
    expect(files).toHaveLength(keys.length);
    let rounds = 0;
    const started = performance.now();
    for (const file of files) {
      const bytes = new Uint8Array(await readFile(join(pristine, "data", file)));
      const key = Buffer.from(file.slice(1), "hex").toString();
      for (const [what, damaged] of damages(bytes, 8 + key.length, false)) {
        const dir = join(root, `round-${rounds++}`);
        await cp(pristine, dir, { recursive: true });
        await writeFile(join(dir, "data", file), damaged);
        const store = await FsStateStore.open(dir);
        try {
          const warnings = await restartExact(store);
          expect(warnings, `${key} ${what}`).toHaveLength(1);
          expect(warnings[0], `${key} ${what}`).toMatch(/skipping checkpoint 5 .*trying checkpoint 4 instead/);
        } finally {
          await store.close();
          await rm(dir, { recursive: true, force: true });
        }
      }
    }
    console.info(
      `damage rounds (fs): ${rounds} over ${files.length} files in ${Math.round(performance.now() - started)} ms`,
    );
  }, 60_000);

  test("memory store: the same damage to the values of every entry of the newest checkpoint", async () => {
    const source = new MemoryStateStore();
    await stoppedRun(source);
    const keys = (await source.list("ckpt/j/")).filter((k) => k.includes(NEWEST));
    let rounds = 0;
    for (const key of keys) {
      for (const [what, damaged] of damages((await source.get(key))!, 0, true)) {
        const store = new MemoryStateStore();
        for (const k of await source.list("")) await store.put(k, (await source.get(k))!);
        await store.put(key, damaged);
        const warnings = await restartExact(store);
        expect(warnings, `${key} ${what}`).toHaveLength(1);
        expect(warnings[0], `${key} ${what}`).toMatch(/skipping checkpoint 5 .*trying checkpoint 4 instead/);
        rounds++;
      }
    }
    console.info(`damage rounds (memory): ${rounds} over ${keys.length} entries`);
  }, 60_000);
});
