/// <reference types="node" />
// Nothing of a job outlives it: weir keeps one blank object of each class of a window engine's hot path
// alive between jobs (src/operators/_shapes.ts, so that V8 does not throw away the engine's optimized
// code at a full collection between jobs), and those must hold none of a job's functions or what they
// hold. The check runs in a child process started with --expose-gc (_released_child.ts).
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, expect, test } from "vitest";

const CHILD = fileURLToPath(new URL("./_released_child.ts", import.meta.url));
let bundleDir: string | undefined;
let bundle: string;

beforeAll(async () => {
  await mkdir(fileURLToPath(new URL("../../test-results/", import.meta.url)), { recursive: true });
  bundleDir = await mkdtemp(fileURLToPath(new URL("../../test-results/released-", import.meta.url)));
  bundle = join(bundleDir, "child.mjs");
  await build({
    entryPoints: [CHILD],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: bundle,
    logLevel: "error",
  });
});
afterAll(() => (bundleDir === undefined ? undefined : rm(bundleDir, { recursive: true, force: true })));

test("a finished job's functions, and what they hold, are garbage for every window engine", () => {
  const r = spawnSync(process.execPath, ["--expose-gc", bundle], { encoding: "utf8", timeout: 60_000 });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({ sliced: false, session: false, general: false });
});
