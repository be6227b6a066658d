// fileSink on Deno (node:fs through Deno's compatibility layer): a directory of NDJSON files read with
// fileSource, results written as part files with checkpoints in a filesystem store; a run stopped mid-way
// and restarted over a crash's leftovers commits exactly the results of an uninterrupted run.
import { fileSink, fileSource, FsStateStore } from "../../../adapters/fs/mod.ts";
import { count, type Source, stream, sum, tumbling } from "../../../mod.ts";
import { assertEquals } from "../../_assert.ts";
import { stopAfter, untilStopped } from "../../scenarios/_checkpoint_helpers.ts";

interface Ev {
  user: string;
  ts: number;
  amount: number;
}

const BASE = Date.UTC(2026, 11, 3, 13);
const events: Ev[] = Array.from({ length: 1_200 }, (_, i) => ({
  user: `u${(i * 7) % 5}`,
  ts: BASE + i * 9_000,
  amount: i % 13,
}));

const pipeline = (source: Source<Ev> | Ev[]) =>
  stream(source)
    .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
    .keyBy((e) => e.user)
    .window(tumbling(600_000))
    .aggregate({ n: count(), total: sum((e: Ev) => e.amount) });

/** Relative path -> text of every file under `dir`. */
async function readTree(dir: string, prefix = ""): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const e of Deno.readDir(`${dir}/${prefix}`)) {
    if (e.isDirectory) { for (const [p, t] of await readTree(dir, `${prefix}${e.name}/`)) out.set(p, t); }
    else out.set(prefix + e.name, await Deno.readTextFile(`${dir}/${prefix}${e.name}`));
  }
  return out;
}

const sorted = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).sort();

Deno.test("fileSource to fileSink on Deno: stopped, restarted over a crash's leftovers, each result committed once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "weir-file-sink-" });
  try {
    await Deno.mkdir(`${dir}/in`);
    for (let k = 0; k < 6; k++) {
      const lines = events.slice(k * 200, (k + 1) * 200).map((e) => JSON.stringify(e) + "\n").join("");
      await Deno.writeTextFile(`${dir}/in/batch-${k}.ndjson`, lines);
      await Deno.utime(`${dir}/in/batch-${k}.ndjson`, 1_000 + k, 1_000 + k);
    }
    const store = await FsStateStore.open(`${dir}/store`);
    const out = `${dir}/out`;
    const job = (source: Source<Ev>) =>
      pipeline(source).checkpoint({ store, id: "deno-files", every: { events: 150 } });
    const controller = new AbortController();
    await untilStopped(
      job(stopAfter(fileSource<Ev>(`${dir}/in`, { readBytes: 4_096 }), 9, controller))
        .pipeTo(fileSink(out, { rollover: { maxBytes: 1_500 } }), { signal: controller.signal }),
      controller,
    );
    const before = await readTree(out);
    assertEquals(before.size > 0, true);
    // What a crash leaves: a temporary part, and a part of a checkpoint the store never got.
    await Deno.writeTextFile(
      `${out}/date=2026-12-03/hour=13/.part-00000000-0000-4000-8000-000000000000.inprogress`,
      "{}\n",
    );
    await Deno.writeTextFile(`${out}/date=2026-12-03/hour=13/part-000000000999-000000.ndjson`, '{"key":"stale"}\n');
    await job(fileSource<Ev>(`${dir}/in`, { readBytes: 4_096 })).pipeTo(
      fileSink(out, { rollover: { maxBytes: 1_500 } }),
    );
    await store.close();
    const files = await readTree(out);
    assertEquals(
      [...files.keys()].filter((p) => !/^date=2026-12-03\/hour=1[345]\/part-\d{12}-\d{6}\.ndjson$/.test(p)),
      [],
    );
    assertEquals(files.has("date=2026-12-03/hour=13/part-000000000999-000000.ndjson"), false);
    const records = [...files.values()].flatMap((t) => t.trim().split("\n").map((l) => JSON.parse(l)));
    assertEquals(sorted(records), sorted(await pipeline(events).toArray()));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
