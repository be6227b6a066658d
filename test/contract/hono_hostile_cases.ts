// Hostile clients of POST /events (issue 10, items 4 to 8 and 11): slow bodies, absurd event times,
// deep nesting, reused idempotency keys with another body, compressed bodies and zip bombs, and
// misspelled options. Every refusal is checked to apply nothing.
import { IngestLog } from "../../adapters/hono/mod.ts";
import { MemoryStateStore } from "../../mod.ts";
import { assert, assertEquals } from "../_assert.ts";
import {
  fixture,
  type HonoCase,
  JSON_TYPE,
  NDJSON,
  ndjson,
  post,
  refused,
  type Served,
  withServed,
} from "./hono_fixture.ts";

const DAY = 24 * 60 * 60 * 1000;
const encoder = new TextEncoder();

/** A body that sends `first`, then nothing until `end()`: a client that stalls mid-body. */
function stalled(first: string): { body: ReadableStream<Uint8Array>; end(): void } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      c.enqueue(encoder.encode(first));
    },
  });
  return {
    body,
    end() {
      try {
        controller.close();
      } catch {
        // Already cancelled by the server.
      }
    },
  };
}

/** Posts a stalled body and ends it once the answer is in, so no connection outlives the case. */
async function postStalled(s: Served, first: string): Promise<Response> {
  const t = stalled(first);
  try {
    return await post(s, t.body);
  } finally {
    t.end();
  }
}

/** Waits until /metrics shows `n` bodies being read. */
async function receiving(s: Served, n: number): Promise<void> {
  for (let tries = 0; tries < 500; tries++) {
    const text = await (await s.fetch("/metrics")).text();
    if (new RegExp(`^weir_ingest_receiving_bodies ${n}$`, "m").test(text)) return;
    // The bodies' handlers wait on a macrotask (the bearer check's crypto): let them run.
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`/metrics never showed ${n} bodies being received`);
}

async function compress(text: string | Uint8Array, format: string): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = typeof text === "string" ? encoder.encode(text) : text;
  const out = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream(format as CompressionFormat));
  return new Uint8Array(await new Response(out).arrayBuffer());
}

function supports(format: string): boolean {
  try {
    new DecompressionStream(format as CompressionFormat);
    new CompressionStream(format as CompressionFormat);
    return true;
  } catch {
    return false;
  }
}

function nested(depth: number): string {
  return "[".repeat(depth) + "]".repeat(depth);
}

export const hostileCases: HonoCase[] = [
  // Item 4: slow clients.
  {
    name: "a body that stalls gets 408 once bodyTimeoutMs has passed, and nothing is applied",
    run: async (serve) => {
      await refused(serve, (s) => postStalled(s, '{"country":"fr",'), 408, "took longer than the limit of 200 ms", {
        bodyTimeoutMs: 200,
      });
    },
  },
  {
    name: "a body that arrives below minBodyBytesPerSecond gets 408 after its first second",
    run: async (serve) => {
      const body = await refused(serve, (s) => postStalled(s, '{"country"'), 408, "arrived too slowly", {
        minBodyBytesPerSecond: 100,
      });
      assert(String(body.error).includes("100 bytes per second"), String(body.error));
    },
  },
  {
    name: "clients trickling a body cannot hold every ingest slot: they get 408 and a fast client gets in",
    run: (serve) =>
      withServed(serve, { start: false, maxConcurrentIngests: 2, minBodyBytesPerSecond: 100 }, async (s, fx) => {
        const slow = [stalled("{"), stalled("[")];
        const answers = slow.map((t) => post(s, t.body));
        try {
          await receiving(s, 2);
          // Both slots are held: a client arriving now is told to come back.
          let fast = await post(s, ndjson([{ country: "fr", ts: 1 }]));
          await fast.body?.cancel();
          assertEquals(fast.status, 429);
          const cut = await Promise.all(answers);
          assertEquals(cut.map((r) => r.status), [408, 408]);
          await Promise.all(cut.map((r) => r.body?.cancel()));
          fast = await post(s, ndjson([{ country: "fr", ts: 1 }]));
          assertEquals([fast.status, await fast.json()], [202, { offsets: [0, 0], count: 1 }]);
          assertEquals(fx.log.next, 1);
        } finally {
          for (const t of slow) t.end();
        }
      }),
  },

  // Item 5: event times outside the window around the server's clock.
  {
    name: "an event time of 1e300 gets 400 naming the event, and nothing is applied",
    run: async (serve) => {
      const body = await refused(
        serve,
        (s) => post(s, `[{"country":"fr","ts":${Date.now()}},\n{"country":"de","ts":1e300}]`, JSON_TYPE),
        400,
        "event #1 (line 2): event time 1e+300 is more than 86400000 ms ahead of the server's clock",
        { minEventTime: undefined },
      );
      assertEquals((body.problems as { event: number }[]).map((p) => p.event), [1]);
    },
  },
  {
    name: "event times over a day ahead or before 2000-01-01 are refused by default, within them accepted",
    run: async (serve) => {
      const options = { minEventTime: undefined };
      await refused(
        serve,
        (s) => post(s, ndjson([{ country: "fr", ts: Date.now() + 2 * DAY }])),
        400,
        "event #0 (line 1): event time",
        options,
      );
      await refused(
        serve,
        (s) => post(s, ndjson([{ country: "fr", ts: Date.now() }, { country: "fr", ts: Date.UTC(1999, 11, 31) }])),
        400,
        "event #1 (line 2): event time 946598400000 (1999-12-31T00:00:00.000Z) is before the earliest accepted, 2000-01-01T00:00:00.000Z",
        options,
      );
      await withServed(serve, { start: false, ...options }, async (s) => {
        const ok = await post(
          s,
          ndjson([{ country: "fr", ts: Date.UTC(2000, 0, 1) }, {
            country: "fr",
            ts: Date.now() + DAY / 2,
          }]),
        );
        assertEquals(ok.status, 202, await ok.clone().text());
        await ok.body?.cancel();
      });
    },
  },
  {
    name: "maxFutureSkew and minEventTime move the accepted window",
    run: async (serve) => {
      await refused(
        serve,
        (s) => post(s, ndjson([{ country: "fr", ts: Date.now() + 120_000 }])),
        400,
        "more than 60000 ms ahead",
        { maxFutureSkew: 60_000 },
      );
      await refused(serve, (s) => post(s, ndjson([{ country: "fr", ts: 5 }])), 400, "before the earliest accepted", {
        minEventTime: 10,
      });
    },
  },

  // Item 6: deep nesting.
  {
    name: "an event nested 10,000 levels gets 400 while parsing, in JSON and NDJSON, and nothing is applied",
    run: async (serve) => {
      const deep = `{"country":"fr","ts":1,"x":${nested(10_000)}}`;
      await refused(serve, (s) => post(s, `[{"country":"fr","ts":2},\n${deep}]`, JSON_TYPE), 400, "line 2", {
        maxBodyBytes: 65_536,
      });
      const body = await refused(serve, (s) => post(s, `{"country":"fr","ts":2}\n${deep}\n`), 400, "line 2", {
        maxBodyBytes: 65_536,
      });
      assert(String(body.error).includes("nested deeper than the limit of 64 levels"), String(body.error));
    },
  },
  {
    name: "maxEventDepth sets the nesting limit: an event at the limit is accepted, one level more is not",
    run: async (serve) => {
      // {"x":[[1]]} is 3 levels: the object, and two arrays.
      await withServed(serve, { start: false, maxEventDepth: 3 }, async (s) => {
        const ok = await post(s, '{"country":"fr","ts":1,"x":[[1]]}\n');
        assertEquals(ok.status, 202);
        await ok.body?.cancel();
        const ok2 = await post(s, '[{"country":"fr","ts":1,"x":[["]]]]"]]}]', JSON_TYPE);
        assertEquals(ok2.status, 202, "brackets inside strings do not count");
        await ok2.body?.cancel();
      });
      await refused(
        serve,
        (s) => post(s, '{"country":"fr","ts":1,"x":[[[1]]]}\n'),
        400,
        "nested deeper than the limit of 3 levels",
        { maxEventDepth: 3 },
      );
    },
  },

  // Item 7: idempotency keys reused with another body.
  {
    name: "an Idempotency-Key reused with a different body gets 422, and the first batch stays stored once",
    run: (serve) =>
      withServed(serve, { start: false }, async (s, fx) => {
        const headers = { ...NDJSON, "idempotency-key": "k-1" };
        const first = await post(s, ndjson([{ country: "fr", ts: 1 }]), headers);
        assertEquals(await first.json(), { offsets: [0, 0], count: 1 });
        const before = await fx.snapshot();
        for (
          const other of [
            ndjson([{ country: "de", ts: 1 }]),
            ndjson([{ country: "fr", ts: 1 }, { country: "fr", ts: 2 }]),
          ]
        ) {
          const res = await post(s, other, headers);
          const body = await res.json() as { error: string };
          assertEquals(res.status, 422, JSON.stringify(body));
          assert(body.error.includes('Idempotency key "k-1" was used for a different batch'), body.error);
        }
        assertEquals(await fx.snapshot(), before);
        const again = await post(s, ndjson([{ country: "fr", ts: 1 }]), headers);
        assertEquals([again.status, await again.json()], [202, { offsets: [0, 0], count: 1, duplicate: true }]);
        assertEquals(fx.log.next, 1);
      }),
  },
  {
    name: "two batches racing with one Idempotency-Key and different bodies: one is stored, the other gets 422",
    run: (serve) =>
      withServed(serve, { start: false }, async (s, fx) => {
        const headers = { ...NDJSON, "idempotency-key": "race" };
        const answers = await Promise.all([
          post(s, ndjson([{ country: "fr", ts: 1 }]), headers),
          post(s, ndjson([{ country: "de", ts: 1 }]), headers),
        ]);
        assertEquals(answers.map((r) => r.status).sort(), [202, 422]);
        await Promise.all(answers.map((r) => r.body?.cancel()));
        assertEquals(fx.log.next, 1);
      }),
  },

  // Item 8: compressed bodies.
  {
    name: "gzip and deflate bodies are decoded, and a retry in another encoding is the same batch",
    run: (serve) =>
      withServed(serve, { start: false }, async (s, fx) => {
        const text = ndjson([{ country: "fr", ts: 1 }, { country: "de", ts: 2 }]);
        const gz = await post(s, await compress(text, "gzip"), {
          ...NDJSON,
          "content-encoding": "gzip",
          "idempotency-key": "z",
        });
        assertEquals([gz.status, await gz.json()], [202, { offsets: [0, 1], count: 2 }]);
        const plain = await post(s, text, { ...NDJSON, "idempotency-key": "z" });
        assertEquals(await plain.json(), { offsets: [0, 1], count: 2, duplicate: true });
        const json = JSON.stringify([{ country: "it", ts: 3 }]);
        const df = await post(s, await compress(json, "deflate"), { ...JSON_TYPE, "content-encoding": "Deflate" });
        assertEquals([df.status, await df.json()], [202, { offsets: [2, 2], count: 1 }]);
        assertEquals(fx.log.next, 3);
      }),
  },
  {
    name: "br is decoded where the runtime's DecompressionStream has brotli, else refused with 415",
    run: (serve) =>
      withServed(serve, { start: false }, async (s) => {
        const text = ndjson([{ country: "fr", ts: 1 }]);
        if (supports("brotli")) {
          const res = await post(s, await compress(text, "brotli"), { ...NDJSON, "content-encoding": "br" });
          assertEquals([res.status, await res.json()], [202, { offsets: [0, 0], count: 1 }]);
        } else {
          const res = await post(s, text, { ...NDJSON, "content-encoding": "br" });
          assertEquals(res.status, 415);
          await res.body?.cancel();
        }
      }),
  },
  {
    name: "a zip bomb gets 413: the size limit applies to the decoded bytes",
    run: async (serve) => {
      // 8 MiB of newlines compress to about 8 KiB; the fixture's limit is 4096 bytes.
      const bomb = await compress(new Uint8Array(8 * 1024 * 1024).fill(0x0a), "gzip");
      await refused(
        serve,
        (s) => post(s, bomb, { ...NDJSON, "content-encoding": "gzip" }),
        413,
        "larger than the limit of 65536 bytes",
        { maxBodyBytes: 65_536 },
      );
    },
  },
  {
    name: "an unsupported Content-Encoding gets 415, corrupt gzip gets 400",
    run: async (serve) => {
      const text = ndjson([{ country: "fr", ts: 2 }]);
      for (const coding of ["compress", "zstd", "gzip, gzip"]) {
        await refused(
          serve,
          (s) => post(s, text, { ...NDJSON, "content-encoding": coding }),
          415,
          "Unsupported Content-Encoding",
        );
      }
      await refused(
        serve,
        (s) => post(s, text, { ...NDJSON, "content-encoding": "gzip" }),
        400,
        "Request body is not valid gzip data",
      );
    },
  },

  // Item 11: misspelled options.
  {
    name: "a misspelled option of createWeirApp or IngestLog.open is a TypeError listing the valid names",
    run: async () => {
      let error: unknown;
      try {
        // The job is not started, so nothing needs stopping when the app refuses its options.
        await fixture({ start: false, maxBodyByte: 10 } as Parameters<typeof fixture>[0]);
      } catch (e) {
        error = e;
      }
      assert(error instanceof TypeError, String(error));
      assert(
        error.message.startsWith(
          'Cannot create weir app as "maxBodyByte" is not an option (did you mean "maxBodyBytes"?)',
        ),
        error.message,
      );
      assert(error.message.includes('"bodyTimeoutMs"'), error.message);
      error = undefined;
      try {
        await IngestLog.open(new MemoryStateStore(), { nmae: "x" } as object);
      } catch (e) {
        error = e;
      }
      assert(error instanceof TypeError && error.message.includes('(did you mean "name"?)'), String(error));
    },
  },
];
