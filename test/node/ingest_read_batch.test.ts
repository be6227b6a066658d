// readBatch against hostile bodies, without HTTP: pacing under a fake clock, nesting found across
// chunk boundaries, the window of event times, decoding, fingerprints; batchRules' checks.
import { afterEach, describe, expect, test, vi } from "vitest";
import { batchRules, readBatch } from "../../src/live/mod.ts";

const T = Date.UTC(2025, 0, 1);
const encoder = new TextEncoder();
const rules = batchRules({ eventTime: (e: { ts: number }) => e.ts, now: () => T });

/** A body delivered one byte per chunk, so every scanner state crosses a chunk boundary. */
function byteByByte(text: string): ReadableStream<Uint8Array> {
  const bytes = encoder.encode(text);
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < bytes.length) c.enqueue(bytes.subarray(i, ++i));
      else c.close();
    },
  });
}

const body = (b: BodyInit) => new Response(b).body!;

async function gzip(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const out = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(out).arrayBuffer());
}

afterEach(() => {
  vi.useRealTimers();
});

describe("readBatch", () => {
  test("a body that stops arriving gets 408 once it falls behind the minimum rate, under a fake clock", async () => {
    vi.useFakeTimers({ now: T });
    let cancelled = false;
    const stalled = new ReadableStream<Uint8Array>({
      start: (c) => c.enqueue(encoder.encode('{"ts":')),
      cancel: () => void (cancelled = true),
    });
    const outcome = readBatch(stalled, "ndjson", { ...rules, minBodyBytesPerSecond: 100 });
    let settled = false;
    void outcome.then(() => (settled = true));
    //  0 ms          1 000 ms (grace)   1 060 ms: 6 bytes owed at 100 B/s
    //  |---- 6 bytes ----|------------------|--> 408
    await vi.advanceTimersByTimeAsync(1_050);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(20);
    expect(await outcome).toEqual({
      ok: false,
      status: 408,
      error: "Request body arrived too slowly: 6 bytes in 1070 ms, below the minimum of 100 bytes per second",
      parsed: 0,
    });
    expect(cancelled).toBe(true);
  });

  test("a body gets 408 at bodyTimeoutMs however fast it trickles", async () => {
    vi.useFakeTimers({ now: T });
    let timer: ReturnType<typeof setInterval> | undefined;
    const trickle = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(encoder.encode("["));
        timer = setInterval(() => c.enqueue(encoder.encode(" ")), 1);
      },
      cancel: () => clearInterval(timer),
    });
    const outcome = readBatch(trickle, "json", { ...rules, bodyTimeoutMs: 5_000 });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await outcome).toMatchObject({ status: 408, error: "Request body took longer than the limit of 5000 ms" });
  });

  test("aborting the signal cuts a body with 408, and nothing is returned of it", async () => {
    const cut = new AbortController();
    const stalled = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(encoder.encode(`{"ts":${T}}\n{"ts"`)) });
    const outcome = readBatch(stalled, "ndjson", rules, { signal: cut.signal });
    cut.abort();
    expect(await outcome).toMatchObject({
      ok: false,
      status: 408,
      error: expect.stringMatching(
        /^Request body was cut to make room for clients that send faster: \d+ bytes in \d+ ms$/,
      ),
    });
  });

  test("nesting beyond maxEventDepth is found while scanning, across chunk boundaries, strings aside", async () => {
    const r = { ...rules, maxEventDepth: 2 };
    expect(await readBatch(byteByByte(`[{"ts":${T},"a":[1]}]`), "json", r)).toMatchObject({ ok: true });
    expect(await readBatch(byteByByte(`{"ts":${T},"a":["[[\\"[{"]}`), "json", r)).toMatchObject({ ok: true });
    expect(await readBatch(byteByByte(`{"ts":${T},"a":[[1]]}`), "json", r)).toMatchObject({
      status: 400,
      error: "Malformed JSON at line 1: an event is nested deeper than the limit of 2 levels",
    });
    // NDJSON lines start again at level 0, even after a line with an unclosed bracket.
    const lines = `{"ts":${T},"a":[1]}\n{"ts":${T},"a":[1]}\n{"ts":${T},"a":[[1]]}\n`;
    expect(await readBatch(byteByByte(lines), "ndjson", r)).toMatchObject({
      status: 400,
      error: "Malformed NDJSON at line 3: an event is nested deeper than the limit of 2 levels",
    });
  });

  test("event times outside [minEventTime, now + maxFutureSkew] are problems naming the event", async () => {
    const lines = [T - 1, T + 86_400_000, T + 86_400_001, 946_684_799_999, 1e300, 946_684_800_000]
      .map((ts) => JSON.stringify({ ts })).join("\n");
    const outcome = await readBatch(body(lines), "ndjson", rules);
    expect(outcome.ok ? [] : outcome.problems).toEqual([
      {
        event: 2,
        line: 3,
        message:
          "event time 1735776000001 (2025-01-02T00:00:00.001Z) is more than 86400000 ms ahead of the server's clock (2025-01-01T00:00:00.000Z)",
      },
      {
        event: 3,
        line: 4,
        message:
          "event time 946684799999 (1999-12-31T23:59:59.999Z) is before the earliest accepted, 2000-01-01T00:00:00.000Z",
      },
      {
        event: 4,
        line: 5,
        message: "event time 1e+300 is more than 86400000 ms ahead of the server's clock (2025-01-01T00:00:00.000Z)",
      },
    ]);
    const open = { ...rules, minEventTime: -Infinity, maxFutureSkew: Infinity };
    expect(await readBatch(body(lines), "ndjson", open)).toMatchObject({ ok: true });
  });

  test("gzip is decoded with the limit on decoded bytes, and the fingerprint is the decoded body's SHA-256", async () => {
    const text = `{"ts":${T}}\n`;
    const plain = await readBatch(body(text), "ndjson", rules, { fingerprint: true });
    const zipped = await readBatch(body(await gzip(encoder.encode(text))), "ndjson", rules, {
      contentEncoding: "gzip",
      fingerprint: true,
    });
    const sha = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
    const hex = Array.from(sha, (b) => b.toString(16).padStart(2, "0")).join("");
    expect([plain, zipped]).toEqual([{ ok: true, events: [{ ts: T }], fingerprint: hex }, {
      ok: true,
      events: [{ ts: T }],
      fingerprint: hex,
    }]);
    const bomb = await gzip(new Uint8Array(16 * 1024 * 1024).fill(0x0a));
    expect(bomb.length).toBeLessThan(32 * 1024);
    expect(await readBatch(body(bomb), "ndjson", { ...rules, maxBodyBytes: 1024 * 1024 }, { contentEncoding: "gzip" }))
      .toMatchObject({ status: 413, error: "Request body is larger than the limit of 1048576 bytes" });
    const zstd = await readBatch(body(text), "ndjson", rules, { contentEncoding: "zstd" });
    expect(zstd).toMatchObject({ status: 415 });
    expect(zstd.ok ? "" : zstd.error).toMatch(
      /^Unsupported Content-Encoding "zstd": send one of identity, gzip, x-gzip, deflate/,
    );
  });
});

describe("batchRules", () => {
  test("checks names and values, with std-style messages", () => {
    const eventTime = (e: { ts: number }) => e.ts;
    expect(() => batchRules({ eventTime, maxEventDepht: 3 } as never)).toThrow(
      /Cannot create batch rules as "maxEventDepht" is not an option \(did you mean "maxEventDepth"\?\)/,
    );
    expect(() => batchRules({ eventTime, maxEventDepth: 0 })).toThrow(
      "Cannot create batch rules as maxEventDepth must be an integer >= 1: current value is 0",
    );
    expect(() => batchRules({ eventTime, minBodyBytesPerSecond: 0 })).toThrow(RangeError);
    expect(() => batchRules({ eventTime, maxFutureSkew: -1 })).toThrow(RangeError);
    expect(() => batchRules({ eventTime, minEventTime: NaN })).toThrow(RangeError);
    expect(() => batchRules({ eventTime: 5 } as never)).toThrow(TypeError);
    expect(batchRules({ eventTime, maxFutureSkew: Infinity, minEventTime: -Infinity })).toMatchObject({
      maxFutureSkew: Infinity,
      minEventTime: -Infinity,
    });
  });
});
