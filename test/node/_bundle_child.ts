/// <reference types="node" />
// A test's child process bundled once (esbuild), so that starting it costs node's start, not a
// TypeScript compile per start. The bundle goes to test-results/ (git-ignored, inside the checkout so
// that it finds node_modules); `remove` deletes it.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll } from "vitest";

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

/**
 * The child `entry` bundled once for the calling test file (bundleNodeChild in its beforeAll, removed
 * in its afterAll): returns a function that gives the bundle's path once the tests run.
 */
export function nodeChildBundle(entry: string, prefix: string, external: string[] = []): () => string {
  let made: { bundle: string; remove(): Promise<void> } | undefined;
  beforeAll(async () => {
    made = await bundleNodeChild(entry, prefix, external);
  });
  afterAll(() => made?.remove());
  return () => {
    if (made === undefined) throw new Error(`the child ${entry} is bundled in beforeAll: read its path in a test`);
    return made.bundle;
  };
}
