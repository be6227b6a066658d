// Child process of state_store_crash.test.ts. Usage: <fs|kv> <path> <hold|churn> [start generation]
//   hold   opens the store, prints "ready", and keeps it (and its lock) until killed.
//   churn  rewrites every key of the store in one batch per generation, printing "committed <g>" after
//          each, until killed: the parent kills it at an arbitrary moment and checks atomicity.
import { openKv } from "@deno/kv";
import process from "node:process";
import { DenoKvStateStore } from "../../adapters/deno-kv/mod.ts";
import { FsStateStore } from "../../adapters/fs/mod.ts";
import type { StateStore } from "../../src/state/mod.ts";
import { generationOps } from "./_state_store_generations.ts";

const [kind, path, mode, start] = process.argv.slice(2);
const store: StateStore = kind === "fs"
  ? await FsStateStore.open(path!)
  : await DenoKvStateStore.wrap(await openKv(path!), { prefix: ["crash"] });

if (mode === "hold") {
  process.stdout.write("ready\n");
  setInterval(() => undefined, 60_000);
} else {
  for (let g = Number(start ?? 1);; g++) {
    await store.batch(generationOps(g));
    process.stdout.write(`committed ${g}\n`);
  }
}
