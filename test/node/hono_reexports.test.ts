// weirjs/adapters/hono keeps exporting what moved to weirjs/live, as the same objects, so code that
// imported the log and the job from the adapter keeps working and `instanceof` holds across both.
import { expect, test } from "vitest";
import * as hono from "../../adapters/hono/mod.ts";
import * as live from "../../src/live/mod.ts";

test("adapters/hono re-exports the live classes and functions it used to define, unchanged", () => {
  const moved = [
    "FeedSubscription",
    "IdempotencyConflictError",
    "IngestLog",
    "isStandardSchema",
    "LiveJob",
    "ResultFeed",
  ] as const;
  for (const name of moved) expect(hono[name], name).toBe(live[name]);
  expect(Object.keys(hono).sort()).toEqual(["createWeirApp", ...moved].sort());
});
