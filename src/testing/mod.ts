/**
 * Test helpers for weir pipelines: a Beam-style `TestStream` with virtual processing time, and
 * helpers to collect results.
 *
 * @module
 */
export { TestStream, type TimestampedValue } from "./test_stream.ts";
export { ManualClock } from "../time/manual_clock.ts";
export { collect, collectResults, describeResult } from "./collect.ts";
