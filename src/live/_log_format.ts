// How the ingestion log lays out its data in a StateStore, under `ingest/<name>/`:
//   e/<first>-<end>  an entry: events [first, end) as `{"v":1,"first":F,"events":[...]}` (UTF-8 JSON)
//   head             `{"v":1,"next":N}`: the offset the next event gets, written with every append
//   k/<seq>          `{"key":K,"first":F,"count":C}`: a remembered idempotency key
// Offsets are zero-padded to 16 digits (enough for every safe integer) so keys sort numerically.
import { WeirError } from "../errors.ts";
import { checkOptionNames } from "../option_names.ts";

const PAD = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The store keys of one log. */
export interface LogKeys {
  readonly entries: string;
  readonly head: string;
  readonly idempotency: string;
}

export function logKeys(name: string): LogKeys {
  const root = `ingest/${name}/`;
  return { entries: root + "e/", head: root + "head", idempotency: root + "k/" };
}

export function pad(n: number): string {
  return String(n).padStart(PAD, "0");
}

export function entryKey(keys: LogKeys, first: number, end: number): string {
  return `${keys.entries}${pad(first)}-${pad(end)}`;
}

/** The `[first, end)` range an entry key names. */
export function entryRange(keys: LogKeys, key: string): { first: number; end: number } {
  const rest = key.slice(keys.entries.length);
  const first = Number(rest.slice(0, PAD));
  const end = Number(rest.slice(PAD + 1));
  if (rest.length !== 2 * PAD + 1 || rest[PAD] !== "-" || !Number.isSafeInteger(first) || !(end > first)) {
    throw new WeirError(`Cannot read ingestion log entry ${JSON.stringify(key)}: its key is not <first>-<end>`);
  }
  return { first, end };
}

/** UTF-8 length of `s` without encoding it (a JSON text has no lone surrogates worth counting apart). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
  }
  return n;
}

/** Overhead of an entry's envelope around the events' JSON texts (bytes, generous). */
const ENVELOPE_BYTES = 48;

/**
 * Splits a run of events (their JSON sizes) into entries of at most `maxEntryBytes` each; an event
 * larger than that gets an entry of its own (the store splits large values internally).
 * Returns the number of events in each entry.
 */
export function packEntries(sizes: readonly number[], maxEntryBytes: number): number[] {
  const counts: number[] = [];
  let n = 0;
  let bytes = ENVELOPE_BYTES;
  for (const size of sizes) {
    if (n > 0 && bytes + size + 1 > maxEntryBytes) {
      counts.push(n);
      n = 0;
      bytes = ENVELOPE_BYTES;
    }
    n++;
    bytes += size + 1;
  }
  if (n > 0) counts.push(n);
  return counts;
}

export function encodeEntry(first: number, jsons: readonly string[]): Uint8Array {
  return encoder.encode(`{"v":1,"first":${first},"events":[${jsons.join(",")}]}`);
}

/** Decodes an entry; JSON.parse keeps keys such as `__proto__` as plain own properties. */
export function decodeEntry(key: string, bytes: Uint8Array, first: number, end: number): unknown[] {
  let parsed: { v?: unknown; first?: unknown; events?: unknown };
  try {
    parsed = JSON.parse(decoder.decode(bytes));
  } catch (cause) {
    throw new WeirError(`Cannot read ingestion log entry ${JSON.stringify(key)}: it is not valid JSON`, { cause });
  }
  const events = parsed?.events;
  if (parsed?.v !== 1 || parsed.first !== first || !Array.isArray(events) || events.length !== end - first) {
    throw new WeirError(
      `Cannot read ingestion log entry ${JSON.stringify(key)}: it does not hold events ${first}..${end - 1}`,
    );
  }
  return events;
}

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function decodeJson(key: string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch (cause) {
    throw new WeirError(`Cannot read ingestion log record ${JSON.stringify(key)}: it is not valid JSON`, { cause });
  }
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** The options of `IngestLog.open` with defaults applied, checked. */
export function resolveLogOptions(options: {
  name?: string;
  maxEntryBytes?: number;
  maxIdempotencyKeys?: number;
  maxCachedEvents?: number;
}): { name: string; maxEntryBytes: number; maxIdempotencyKeys: number; maxCachedEvents: number } {
  checkOptionNames("open ingestion log", options, ["name", "maxEntryBytes", "maxIdempotencyKeys", "maxCachedEvents"]);
  const o = {
    name: options.name ?? "events",
    maxEntryBytes: options.maxEntryBytes ?? 32 * 1024,
    maxIdempotencyKeys: options.maxIdempotencyKeys ?? 10_000,
    maxCachedEvents: options.maxCachedEvents ?? 100_000,
  };
  if (typeof o.name !== "string" || !NAME.test(o.name)) {
    throw new TypeError(
      `Cannot open ingestion log as name must be 1 to 64 of A-Z a-z 0-9 . _ -: current value is ${
        JSON.stringify(o.name)
      }`,
    );
  }
  for (const k of ["maxEntryBytes", "maxIdempotencyKeys", "maxCachedEvents"] as const) {
    if (!Number.isSafeInteger(o[k]) || o[k] < 1) {
      throw new RangeError(
        `Cannot open ingestion log as ${k} must be an integer >= 1: current value is ${String(o[k])}`,
      );
    }
  }
  return o;
}
