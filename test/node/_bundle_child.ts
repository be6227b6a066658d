/// <reference types="node" />
// A test's child process bundled once (esbuild), so that starting it costs node's start, not a
// TypeScript compile per start. The bundle goes to test-results/ (git-ignored, inside the checkout so
// that it finds node_modules); `remove` deletes it.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** Bundles the child `entry` (a path) for node into test-results/<prefix>…/child.mjs, with `external` left out. */
export async function bundleNodeChild(
  entry: string,
  prefix: string,
  external: string[] = [],
): Promise<{ bundle: string; remove(): Promise<void> }> {
  await mkdir(fileURLToPath(new URL("../../test-results/", import.meta.url)), { recursive: true });
  const dir = await mkdtemp(fileURLToPath(new URL(`../../test-results/${prefix}`, import.meta.url)));
  const bundle = join(dir, "child.mjs");
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: bundle,
    external,
    logLevel: "error",
  });
  return { bundle, remove: () => rm(dir, { recursive: true, force: true }) };
}
