import { DecodeError } from "../errors.ts";
import { NdjsonDecoderStream, type NdjsonRecord } from "../io/mod.ts";
import { JsonArrayDecoderStream, type LineValue, splitJsonError } from "./_json_array_decoder.ts";
import type { StandardSchemaIssue, StandardSchemaResult, StandardSchemaV1 } from "./standard_schema.ts";

/** One reason an event was refused. */
export interface EventProblem {
  /** 0-based position of the event in the batch. */
  readonly event: number;
  /** 1-based line of the body where the event starts. */
  readonly line: number;
  /** Why the event was refused. */
  readonly message: string;
}

/** What {@linkcode readBatch} accepts. */
export interface BatchRules {
  /** Largest body, in bytes (beyond it: `413`). */
  maxBodyBytes: number;
  /** Most events in one batch (beyond it: `413`). */
  maxEvents: number;
  /** Reading stops after this many refused events. */
  maxProblems: number;
  /** Validates each event; its output is what the batch holds. */
  schema: StandardSchemaV1 | undefined;
  /** The event time of a (validated) event: a finite number or a Date, else the event is refused. */
  eventTime: (event: never) => unknown;
}

/** The events of a good batch, or why the batch is refused (an HTTP status and message) and how far it was read. */
export type BatchOutcome =
  | { readonly ok: true; readonly events: unknown[] }
  | {
    readonly ok: false;
    readonly status: 400 | 413 | 415;
    readonly error: string;
    readonly problems?: EventProblem[];
    readonly parsed: number;
  };

class BodyTooLarge extends Error {}

function countBytes(max: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > max) controller.error(new BodyTooLarge());
      else controller.enqueue(chunk);
    },
  });
}

function pathText(issue: StandardSchemaIssue): string {
  const segments = (issue.path ?? []).map((p) => String(typeof p === "object" && p !== null ? p.key : p));
  return segments.length > 0 ? segments.join(".") + ": " : "";
}

function checkTime(t: unknown): string | undefined {
  if (t instanceof Date) t = t.getTime();
  if (typeof t === "number" && Number.isFinite(t)) return undefined;
  if (t === undefined || t === null) return "event time is missing";
  return `event time is not a finite number: ${
    typeof t === "number" ? String(t) : `${typeof t} ${JSON.stringify(t)?.slice(0, 40)}`
  }`;
}

/** The core decoder says "Invalid JSON on line 3: <parser message>"; name the format and the column too. */
function ndjsonMessage(error: DecodeError): string {
  const m = /^Invalid JSON on line (\d+): (.*)$/s.exec(error.message);
  if (m === null) return error.message;
  const { message, position } = splitJsonError(m[2]!);
  return `Malformed NDJSON at line ${m[1]}${position === undefined ? "" : `, column ${position + 1}`}: ${message}`;
}

function tooLarge(max: number, parsed: number): BatchOutcome {
  return { ok: false, status: 413, error: `Request body is larger than the limit of ${max} bytes`, parsed };
}

/**
 * Reads one ingestion request body (`format` from `bodyFormat`) into a batch of validated
 * events, streaming: bytes are counted as they arrive, elements are parsed one by one and each is
 * validated (schema, then event time) as soon as it is parsed. Nothing is appended anywhere: the
 * caller appends the batch only when all of it is good. This is what `POST /events` of
 * `createWeirApp` runs, usable by an HTTP layer other than Hono.
 *
 * @example A good batch and a refused one
 * ```ts
 * import { assert, assertEquals } from "@std/assert";
 * import { readBatch } from "weirjs/live";
 *
 * const rules = {
 *   maxBodyBytes: 1024, maxEvents: 100, maxProblems: 20, schema: undefined,
 *   eventTime: (e: { ts: number }) => e.ts,
 * };
 * const body = (text: string) => new Response(text).body!;
 * const good = await readBatch(body('[{"ts":1},{"ts":2}]'), "json", rules);
 * assertEquals(good, { ok: true, events: [{ ts: 1 }, { ts: 2 }] });
 * const bad = await readBatch(body('{"ts":1}\n{"ts":"x"}\n'), "ndjson", rules);
 * assert(!bad.ok);
 * assertEquals(bad.status, 400);
 * ```
 */
export async function readBatch(
  body: ReadableStream<Uint8Array>,
  format: "json" | "ndjson",
  rules: BatchRules,
): Promise<BatchOutcome> {
  const bytes = body.pipeThrough(countBytes(rules.maxBodyBytes));
  const records: ReadableStream<LineValue | NdjsonRecord> = format === "json"
    ? bytes.pipeThrough(new TextDecoderStream("utf-8", { fatal: true }) as ReadableWritablePair<string, Uint8Array>)
      .pipeThrough(new JsonArrayDecoderStream())
    : bytes.pipeThrough(new NdjsonDecoderStream<NdjsonRecord>({ offsets: true, maxLineBytes: rules.maxBodyBytes }));
  const reader = records.getReader();
  const events: unknown[] = [];
  const problems: EventProblem[] = [];
  let n = 0;
  let finished = false;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) {
        finished = true;
        break;
      }
      const { value, line } = r.value;
      const index = n++;
      if (n > rules.maxEvents) {
        return {
          ok: false,
          status: 413,
          error: `Batch has more than the limit of ${rules.maxEvents} events`,
          parsed: n,
        };
      }
      let event = value;
      if (rules.schema !== undefined) {
        let result = rules.schema["~standard"].validate(value) as
          | StandardSchemaResult<unknown>
          | Promise<StandardSchemaResult<unknown>>;
        if (result instanceof Promise) result = await result;
        if (result.issues !== undefined) {
          for (const issue of result.issues) {
            problems.push({ event: index, line, message: pathText(issue) + issue.message });
          }
          if (problems.length >= rules.maxProblems) break;
          continue;
        }
        event = result.value;
      }
      let why: string | undefined;
      try {
        why = checkTime((rules.eventTime as (e: unknown) => unknown)(event));
      } catch (error) {
        why = `event time could not be read: ${(error as Error)?.message ?? String(error)}`;
      }
      if (why !== undefined) {
        problems.push({ event: index, line, message: why });
        if (problems.length >= rules.maxProblems) break;
        continue;
      }
      events.push(event);
    }
  } catch (error) {
    if (error instanceof BodyTooLarge) return tooLarge(rules.maxBodyBytes, n);
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
  return { ok: true, events };
}
