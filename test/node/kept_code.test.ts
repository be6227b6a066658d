/// <reference types="node" />
// V8 keeps weir's optimized window loops across a full garbage collection between two jobs: the
// blank objects of src/operators/shapes.ts keep alive every hidden class the loops were compiled
// against (engine, slices, config, column kernels, the job's outputs and batches, the event-time
// step, map/filter steps). The child (_kept_code_child.ts) runs the same jobs, with and without
// map and filter steps, again and again with a gc() before each;
// V8's deopt trace after the first rounds must name no function thrown away for "weak objects".
// (A config copied by spread, one hidden class apart from the job's, failed this: the sliced engine's
// `data` was thrown away every third collection, when V8 stops keeping a class no object has; so were
// steps copied by spread from the pipeline's nodes, and the stateless step's `data` with them.)
import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { nodeChildBundle } from "./_bundle_child.ts";

const CHILD = fileURLToPath(new URL("./_kept_code_child.ts", import.meta.url));
const bundle = nodeChildBundle(CHILD, "kept-code-");

test("a full collection between jobs throws away none of the window engines' optimized code", () => {
  const r = spawnSync(process.execPath, ["--expose-gc", "--trace-opt", "--trace-deopt", bundle()], {
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 256 << 20,
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const [before, after] = r.stdout.split("--- warmed up\n");
  expect(after).toContain("--- done");
  // the loops were optimized while warming up (else there is nothing to keep)
  expect(before).toMatch(/completed (compiling|optimizing) \S+ <JSFunction data /);
  const thrownAway = [
    ...after!.matchAll(/<SharedFunctionInfo ([^>]*)>\) \(opt id \d+\) for deoptimization, reason: weak objects/g),
  ]
    .map((m) => m[1])
    // (the child's own job(): its `for await` loop, optimized on the stack, inlines the pipeline it
    // builds for that job, whose objects die with it; weir's functions are what is checked)
    .filter((name) => name !== "job");
  expect(thrownAway).toEqual([]);
});
