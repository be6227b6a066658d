// The file sink crash test on Deno: a child `deno run` of test/node/_file_sink_crash_child.ts (fileSource
// following a directory into which files keep arriving, checkpoints in FsStateStore, parts written by
// the file sink, all through Deno's node:fs) is killed with SIGKILL 10 times, every other round as a chosen
// file sink operation starts, the others at a seeded moment, then run to the end. The committed parts must
// hold exactly the results of an uninterrupted run, with no temporary file left.
import { assert, assertEquals } from "../../_assert.ts";
import { type CrashEvent, crashEvents } from "../../fixtures/crash_job.ts";
import { fileSinkCrashPipeline } from "../../node/_file_sink_crash_job.ts";
import { arraySource } from "../../scenarios/_checkpoint_helpers.ts";

const CHILD = new URL("../../node/_file_sink_crash_child.ts", import.meta.url).pathname;
const KILLS = 10;
const FILES = 16;
const PER_FILE = 300;
const TARGETS = ["rename:2", "time", "close:3", "time", "remove:1", "time", "rename:1", "time", "create:3", "time"];

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

async function arrive(inDir: string, k: number, events: readonly CrashEvent[]): Promise<void> {
  const name = `batch-${String(k).padStart(4, "0")}.ndjson`;
  const lines = events.slice(k * PER_FILE, (k + 1) * PER_FILE).map((e) => JSON.stringify(e) + "\n").join("");
  await Deno.writeTextFile(`${inDir}/.${name}.tmp`, lines);
  await Deno.utime(`${inDir}/.${name}.tmp`, 1_000_000 + k, 1_000_000 + k);
  await Deno.rename(`${inDir}/.${name}.tmp`, `${inDir}/${name}`);
}

function start(args: string[], env: Record<string, string>) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CHILD, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = { stdout: "", stderr: "" };
  const read = async (s: ReadableStream<Uint8Array>, key: "stdout" | "stderr") => {
    const decoder = new TextDecoder();
    for await (const bytes of s) output[key] += decoder.decode(bytes, { stream: true });
  };
  const done = Promise.all([read(child.stdout, "stdout"), read(child.stderr, "stderr")]).then(() => {});
  return { child, output, done };
}

/** Relative path -> text of every file under `dir`. */
async function readTree(dir: string, prefix = ""): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const e of Deno.readDir(`${dir}/${prefix}`)) {
    if (e.isDirectory) { for (const [p, t] of await readTree(dir, `${prefix}${e.name}/`)) out.set(p, t); }
    else out.set(prefix + e.name, await Deno.readTextFile(`${dir}/${prefix}${e.name}`));
  }
  return out;
}

Deno.test({
  name: `fileSource to fileSink on Deno: ${KILLS} SIGKILLs while files arrive, and the committed parts are exact`,
  // The children's output streams are read to their end; Deno's sanitizers would count them mid-test.
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "weir-file-sink-crash-" });
    try {
      const [inDir, outDir, storeDir] = ["in", "out", "store"].map((d) => `${dir}/${d}`) as [string, string, string];
      await Deno.mkdir(inDir);
      const events = crashEvents(FILES * PER_FILE, 13);
      const random = prng(0xf11e);
      let arrived = 0;
      const seen: Record<string, number> = {};
      for (let round = 0; round < KILLS; round++) {
        if (arrived < FILES) await arrive(inDir, arrived++, events);
        const target = TARGETS[round % TARGETS.length]!;
        const run = start([inDir, outDir, storeDir, "follow"], target === "time" ? {} : { KILL_AT: target });
        // Children that never reach their operation (following, the job never ends) die by time.
        const wait = target === "time" ? 300 + random() * 500 : 4_000;
        await Promise.race([run.done, new Promise((resolve) => setTimeout(resolve, wait))]);
        try {
          run.child.kill("SIGKILL");
        } catch {
          // Gone already (killed itself at its operation).
        }
        const status = await run.child.status;
        await run.done;
        assertEquals({
          round,
          signal: status.signal,
          errors: run.output.stderr.includes("Error") ? run.output.stderr : "",
        }, {
          round,
          signal: "SIGKILL",
          errors: "",
        });
        const at = /killed at (\w+) \d+/.exec(run.output.stdout)?.[1] ?? "time";
        seen[at] = (seen[at] ?? 0) + 1;
      }
      while (arrived < FILES) await arrive(inDir, arrived++, events);
      const last = start([inDir, outDir, storeDir, "final"], {});
      const status = await last.child.status;
      await last.done;
      assertEquals({ code: status.code, errors: last.output.stderr }, { code: 0, errors: "" });
      console.info(`file sink crash (Deno): ${Object.entries(seen).map(([k, n]) => `${n} at ${k}`).join(", ")}`);

      const files = await readTree(outDir);
      assertEquals([...files.keys()].filter((p) => p.split("/").pop()!.startsWith(".")), []);
      const records = [...files.values()].flatMap((t) => t.trim().split("\n").map((l) => JSON.parse(l)));
      const expected = await fileSinkCrashPipeline(arraySource(events, 40)).toArray();
      assert(expected.length > 500, `the job has only ${expected.length} results`);
      const key = (v: unknown) => JSON.stringify(v);
      assertEquals(records.map(key).sort(), expected.map(key).sort());
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
