import { checkOptionNames } from "../option_names.ts";
import type { StandardSchemaV1 } from "./standard_schema.ts";

/** What {@linkcode readBatch} accepts; the optional limits have the defaults that {@linkcode batchRules} documents. */
export interface BatchRules {
  /** Largest body, in bytes as received and once decoded (beyond it: `413`). */
  maxBodyBytes: number;
  /** Most events in one batch (beyond it: `413`). */
  maxEvents: number;
  /** Reading stops after this many refused events. */
  maxProblems: number;
  /** Validates each event; its output is what the batch holds. */
  schema: StandardSchemaV1 | undefined;
  /** The event time of a (validated) event: a finite number or a Date, else the event is refused. */
  eventTime: (event: never) => unknown;
  /** Deepest nesting of an event: `{"a":[1]}` is 2 levels (default 64; deeper: `400`, found while parsing). */
  maxEventDepth?: number;
  /** Longest time a body may take to arrive, in ms (default 30 000; longer: `408`). */
  bodyTimeoutMs?: number;
  /** Slowest a body may arrive after its first second, in bytes per second (default 1 024; slower: `408`). */
  minBodyBytesPerSecond?: number;
  /** How far ahead of the clock an event time may be, in ms (default one day; `Infinity` turns it off). */
  maxFutureSkew?: number;
  /** The earliest event time accepted, epoch ms (default 2000-01-01; `-Infinity` turns it off). */
  minEventTime?: number;
  /** The clock that `maxFutureSkew` counts from (default `Date.now`). */
  now?: () => number;
}

/** Options of {@linkcode batchRules}: the rules, each limit optional. */
export type BatchRulesOptions = Partial<Omit<BatchRules, "eventTime">> & Pick<BatchRules, "eventTime">;

const DEFAULTS = {
  maxBodyBytes: 1024 * 1024,
  maxEvents: 10_000,
  maxProblems: 20,
  maxEventDepth: 64,
  bodyTimeoutMs: 30_000,
  minBodyBytesPerSecond: 1_024,
  maxFutureSkew: 24 * 60 * 60 * 1000,
  minEventTime: Date.UTC(2000, 0, 1),
} as const;

const NAMES: readonly string[] = [...Object.keys(DEFAULTS), "schema", "eventTime", "now"];

/** The rules with every default filled in. */
export function withDefaults(rules: BatchRules): Required<Omit<BatchRules, "schema">> & Pick<BatchRules, "schema"> {
  return {
    maxBodyBytes: rules.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
    maxEvents: rules.maxEvents ?? DEFAULTS.maxEvents,
    maxProblems: rules.maxProblems ?? DEFAULTS.maxProblems,
    maxEventDepth: rules.maxEventDepth ?? DEFAULTS.maxEventDepth,
    bodyTimeoutMs: rules.bodyTimeoutMs ?? DEFAULTS.bodyTimeoutMs,
    minBodyBytesPerSecond: rules.minBodyBytesPerSecond ?? DEFAULTS.minBodyBytesPerSecond,
    maxFutureSkew: rules.maxFutureSkew ?? DEFAULTS.maxFutureSkew,
    minEventTime: rules.minEventTime ?? DEFAULTS.minEventTime,
    now: rules.now ?? Date.now,
    schema: rules.schema,
    eventTime: rules.eventTime,
  };
}

/**
 * The rules of {@linkcode readBatch} from options, with defaults (1 MiB bodies, 10 000 events, 20
 * problems, 64 levels of nesting, 30 s and 1 024 bytes per second to send a body, event times from
 * 2000-01-01 to one day ahead of the clock), every value checked. An unknown option name is a
 * TypeError listing the valid ones; `otherOptions` are names the caller's own options object also
 * has (the app's `log`, `token`, ...), and `what` completes the messages' "Cannot ...".
 *
 * @example Rules for an HTTP layer of one's own
 * ```ts
 * import { assertEquals, assertThrows } from "@std/assert";
 * import { batchRules } from "weirjs/live";
 *
 * const rules = batchRules({ eventTime: (e: { ts: number }) => e.ts, maxEvents: 500 });
 * assertEquals([rules.maxEvents, rules.maxEventDepth], [500, 64]);
 * assertThrows(() => batchRules({ eventTime: (e: { ts: number }) => e.ts, maxEvent: 5 } as never), TypeError);
 * ```
 */
export function batchRules(
  options: BatchRulesOptions,
  check: { what?: string; otherOptions?: readonly string[] } = {},
): BatchRules {
  const what = check.what ?? "create batch rules";
  checkOptionNames(what, options, [...NAMES, ...(check.otherOptions ?? [])]);
  const r = withDefaults(options as BatchRules);
  for (const name of ["maxBodyBytes", "maxEvents", "maxProblems", "maxEventDepth", "bodyTimeoutMs"] as const) {
    if (!Number.isSafeInteger(r[name]) || r[name] < 1) {
      throw new RangeError(`Cannot ${what} as ${name} must be an integer >= 1: current value is ${String(r[name])}`);
    }
  }
  if (typeof r.minBodyBytesPerSecond !== "number" || !(r.minBodyBytesPerSecond > 0)) {
    throw new RangeError(
      `Cannot ${what} as minBodyBytesPerSecond must be a number > 0: current value is ${
        String(r.minBodyBytesPerSecond)
      }`,
    );
  }
  if (typeof r.maxFutureSkew !== "number" || !(r.maxFutureSkew >= 0)) {
    throw new RangeError(
      `Cannot ${what} as maxFutureSkew must be a number >= 0 (ms, or Infinity): current value is ${
        String(r.maxFutureSkew)
      }`,
    );
  }
  if (typeof r.minEventTime !== "number" || Number.isNaN(r.minEventTime) || r.minEventTime === Infinity) {
    throw new RangeError(
      `Cannot ${what} as minEventTime must be a number (epoch ms, or -Infinity): current value is ${
        String(r.minEventTime)
      }`,
    );
  }
  for (const name of ["eventTime", "now"] as const) {
    if (typeof r[name] !== "function") {
      throw new TypeError(`Cannot ${what} as ${name} must be a function: current value is ${String(r[name])}`);
    }
  }
  return r;
}
