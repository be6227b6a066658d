// The README's "Coming from Spark / Beam" examples (examples/migrating/) run and give what it says.
import { expect, test } from "vitest";
import { panesLikeBeam } from "../../examples/migrating/from_beam.ts";
import { pageViewsLikeSpark } from "../../examples/migrating/from_spark.ts";

test("from Spark: append-mode windowed counts committed with checkpoints", async () => {
  const events = [
    { page: "/", ts: 1_000, bytes: 10 },
    { page: "/a", ts: 4_000, bytes: 5 },
    { page: "/", ts: 12_000, bytes: 7 },
    { page: "/", ts: 9_500, bytes: 1 },
  ];
  expect(await pageViewsLikeSpark(events)).toEqual([
    ["/", 0, { views: 2, bytes: 11 }],
    ["/a", 0, { views: 1, bytes: 5 }],
    ["/", 10_000, { views: 1, bytes: 7 }],
  ]);
});

test("from Beam: early, on-time and late panes, accumulating", async () => {
  expect(await panesLikeBeam()).toEqual(["2 early#0", "2 on-time#1", "3 late#2"]);
});
