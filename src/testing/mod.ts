/**
 * Test helpers for weir pipelines: a Beam-style `TestStream` with virtual processing time, and
 * helpers to read and compare results.
 *
 * @module
 */
export { TestStream, type TimestampedValue } from "./test_stream.ts";
export { ManualClock } from "../time/manual_clock.ts";
export { readAll } from "./read_all.ts";
export { sortedResults } from "./sorted_results.ts";
export { describeResult } from "./describe_result.ts";
