/// <reference types="node" />
// Nothing of a job outlives it: weir keeps one blank object of each class of a window engine's hot path
// alive between jobs (src/operators/shapes.ts, so that V8 does not throw away the engine's optimized
// code at a full collection between jobs), and those must hold none of a job's functions or what they
// hold. The check runs in a child process started with --expose-gc (_released_child.ts).
import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { nodeChildBundle } from "./_bundle_child.ts";

const CHILD = fileURLToPath(new URL("./_released_child.ts", import.meta.url));
const bundle = nodeChildBundle(CHILD, "released-");

test("a finished job's functions, and what they hold, are garbage for every window engine", () => {
  const r = spawnSync(process.execPath, ["--expose-gc", bundle()], { encoding: "utf8", timeout: 60_000 });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({ sliced: false, session: false, general: false });
});
