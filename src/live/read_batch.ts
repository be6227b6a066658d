import { DecodeError } from "../errors.ts";
import { NdjsonDecoderStream, type NdjsonRecord } from "../io/mod.ts";
import {
  bodyBytes,
  BodyNotDecodable,
  BodyTooLarge,
  BodyTooSlow,
  decompressionFormat,
  sha256Hex,
  supportedCodings,
} from "./_body_bytes.ts";
import { eventTimeProblem } from "./_event_time_check.ts";
import { JsonArrayDecoderStream, type LineValue, splitJsonError } from "./_json_array_decoder.ts";
import { NestingLimitStream } from "./_nesting_limit.ts";
import { type BatchRules, withDefaults } from "./batch_rules.ts";
import type { StandardSchemaIssue, StandardSchemaResult } from "./standard_schema.ts";

/** One reason an event was refused. */
export interface EventProblem {
  /** 0-based position of the event in the batch. */
  readonly event: number;
  /** 1-based line of the body where the event starts. */
  readonly line: number;
  /** Why the event was refused. */
  readonly message: string;
}

/** The request a body came with, beyond its format. */
export interface BodyOptions {
  /** The `Content-Encoding` header: gzip, deflate and br (where the runtime decodes it) are read. */
  contentEncoding?: string | undefined;
  /** Compute the SHA-256 of the (decoded) body, for comparing the bodies of a reused idempotency key. */
  fingerprint?: boolean;
  /** Aborting it stops reading with `408` (an HTTP layer cuts a slow body to make room for faster ones). */
  signal?: AbortSignal;
}

/** The events of a good batch, or why the batch is refused (an HTTP status and message) and how far it was read. */
export type BatchOutcome =
  | {
    readonly ok: true;
    readonly events: unknown[];
    /** The body's SHA-256 in hex, when asked for. */
    readonly fingerprint?: string;
  }
  | {
    readonly ok: false;
    readonly status: 400 | 408 | 413 | 415;
    readonly error: string;
    readonly problems?: EventProblem[];
    readonly parsed: number;
  };

function pathText(issue: StandardSchemaIssue): string {
  const segments = (issue.path ?? []).map((p) => String(typeof p === "object" && p !== null ? p.key : p));
  return segments.length > 0 ? segments.join(".") + ": " : "";
}

/** The core decoder says "Invalid JSON on line 3: <parser message>"; name the format and the column too. */
function ndjsonMessage(error: DecodeError): string {
  const m = /^Invalid JSON on line (\d+): (.*)$/s.exec(error.message);
  if (m === null) return error.message;
  const { message, position } = splitJsonError(m[2]!);
  return `Malformed NDJSON at line ${m[1]}${position === undefined ? "" : `, column ${position + 1}`}: ${message}`;
}

/**
 * Reads one ingestion request body (`format` from `bodyFormat`) into a batch of validated
 * events, streaming: the body is decoded per its `Content-Encoding`, paced (`bodyTimeoutMs`,
 * `minBodyBytesPerSecond`: a client that sends too slowly gets `408`), its bytes are counted as they
 * arrive (as received and decoded: `413`), nesting deeper than `maxEventDepth` stops it while parsing,
 * and elements are parsed one by one and each is validated (schema, then event time, which must lie
 * between `minEventTime` and `maxFutureSkew` ahead of the clock) as soon as it is parsed. Nothing is
 * appended anywhere: the caller appends the batch only when all of it is good. This is what
 * `POST /events` of `createWeirApp` runs, usable by an HTTP layer other than Hono.
 *
 * @example A good batch and a refused one
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { batchRules, readBatch } from "weirjs/live";
 *
 * const rules = batchRules({ maxBodyBytes: 1024, eventTime: (e: { ts: number }) => e.ts });
 * const body = (text: string) => new Response(text).body!;
 * const t = Date.UTC(2025, 0, 1);
 * const good = await readBatch(body(`[{"ts":${t}},{"ts":${t + 1}}]`), "json", rules);
 * assertEquals(good, { ok: true, events: [{ ts: t }, { ts: t + 1 }] });
 * const bad = await readBatch(body(`{"ts":${t}}\n{"ts":1e300}\n`), "ndjson", rules);
 * assert(!bad.ok);
 * assertEquals([bad.status, bad.problems?.[0]?.line], [400, 2]);
 * ```
 */
export async function readBatch(
  body: ReadableStream<Uint8Array>,
  format: "json" | "ndjson",
  rules: BatchRules,
  request: BodyOptions = {},
): Promise<BatchOutcome> {
  const r = withDefaults(rules);
  const encoding = decompressionFormat(request.contentEncoding);
  if (encoding === undefined) {
    body.cancel().catch(() => {});
    return {
      ok: false,
      status: 415,
      error: `Unsupported Content-Encoding ${JSON.stringify(request.contentEncoding)}: send one of ${
        ["identity", ...supportedCodings()].join(", ")
      }`,
      parsed: 0,
    };
  }
  const kept: Uint8Array[] | undefined = request.fingerprint ? [] : undefined;
  const { bytes: decoded, stop } = bodyBytes(body, encoding, r, { keep: kept, signal: request.signal });
  const bytes = decoded.pipeThrough(new NestingLimitStream(r.maxEventDepth, format));
  const records: ReadableStream<LineValue | NdjsonRecord> = format === "json"
    ? bytes.pipeThrough(new TextDecoderStream("utf-8", { fatal: true }) as ReadableWritablePair<string, Uint8Array>)
      .pipeThrough(new JsonArrayDecoderStream())
    : bytes.pipeThrough(new NdjsonDecoderStream<NdjsonRecord>({ offsets: true, maxLineBytes: r.maxBodyBytes }));
  const now = r.now();
  const window = { min: r.minEventTime, max: now + r.maxFutureSkew, maxFutureSkew: r.maxFutureSkew };
  const reader = records.getReader();
  const events: unknown[] = [];
  const problems: EventProblem[] = [];
  let n = 0;
  let finished = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        finished = true;
        break;
      }
      const { value, line } = next.value;
      const index = n++;
      if (n > r.maxEvents) {
        return { ok: false, status: 413, error: `Batch has more than the limit of ${r.maxEvents} events`, parsed: n };
      }
      let event = value;
      if (r.schema !== undefined) {
        let result = r.schema["~standard"].validate(value) as
          | StandardSchemaResult<unknown>
          | Promise<StandardSchemaResult<unknown>>;
        if (result instanceof Promise) result = await result;
        if (result.issues !== undefined) {
          for (const issue of result.issues) {
            problems.push({ event: index, line, message: pathText(issue) + issue.message });
          }
          if (problems.length >= r.maxProblems) break;
          continue;
        }
        event = result.value;
      }
      let why: string | undefined;
      try {
        why = eventTimeProblem((r.eventTime as (e: unknown) => unknown)(event), window);
      } catch (error) {
        why = `event time could not be read: ${(error as Error)?.message ?? String(error)}`;
      }
      if (why !== undefined) {
        problems.push({ event: index, line, message: why });
        if (problems.length >= r.maxProblems) break;
        continue;
      }
      events.push(event);
    }
  } catch (error) {
    if (error instanceof BodyTooSlow) return { ok: false, status: 408, error: error.message, parsed: n };
    if (error instanceof BodyTooLarge) return { ok: false, status: 413, error: error.message, parsed: n };
    if (error instanceof BodyNotDecodable) return { ok: false, status: 400, error: error.message, parsed: n };
    if (error instanceof DecodeError) {
      return { ok: false, status: 400, error: format === "json" ? error.message : ndjsonMessage(error), parsed: n };
    }
    if (error instanceof TypeError && format === "json") {
      return { ok: false, status: 400, error: "Request body is not valid UTF-8", parsed: n };
    }
    return {
      ok: false,
      status: 400,
      error: `Request body could not be read: ${(error as Error)?.message ?? String(error)}`,
      parsed: n,
    };
  } finally {
    stop();
    if (!finished) reader.cancel().catch(() => {});
  }
  if (problems.length > 0) {
    const more = finished ? "" : " (reading stopped here)";
    const list = problems.map((p) => `event #${p.event} (line ${p.line}): ${p.message}`).join("; ");
    return { ok: false, status: 400, error: `Invalid events: ${list}${more}`, problems, parsed: n };
  }
  if (events.length === 0) {
    return { ok: false, status: 400, error: "The batch is empty: send at least one event", parsed: 0 };
  }
  return kept === undefined ? { ok: true, events } : { ok: true, events, fingerprint: await sha256Hex(kept) };
}
