// The ingestion half of the HTTP contract: POST /events accepts good batches and refuses bad ones
// with the right status and message, applying nothing.
import { assert, assertEquals } from "../_assert.ts";
import {
  auth,
  chunked,
  type HonoCase,
  JSON_TYPE,
  NDJSON,
  ndjson,
  post,
  refused,
  TOKEN,
  withServed,
} from "./hono_fixture.ts";

export const ingestCases: HonoCase[] = [
  {
    name: "POST /events appends an NDJSON batch and answers 202 with its offsets",
    run: (serve) =>
      withServed(serve, { start: false }, async (s, fx) => {
        const res = await post(s, ndjson([{ country: "fr", ts: 1 }, { country: "de", ts: 2 }]));
        assertEquals(res.status, 202);
        assertEquals(await res.json(), { offsets: [0, 1], count: 2 });
        const res2 = await post(s, JSON.stringify([{ country: "it", ts: 3 }]), JSON_TYPE);
        assertEquals(await res2.json(), { offsets: [2, 2], count: 1 });
        const reader = fx.log.open({});
        const got: unknown[] = [];
        while (got.length < 3) {
          const r = await reader.next();
          if (r.done || r.value.type !== "elements") break;
          got.push(...r.value.values);
        }
        await reader.return();
        assertEquals(got, [{ country: "fr", ts: 1 }, { country: "de", ts: 2 }, { country: "it", ts: 3 }]);
      }),
  },
  {
    name: "a streamed body without Content-Length is read in pieces",
    run: (serve) =>
      withServed(serve, { start: false }, async (s) => {
        const res = await post(s, chunked(['{"country":"fr",', '"ts":1}\n{"coun', 'try":"de","ts":2}\n']));
        assertEquals(await res.json(), { offsets: [0, 1], count: 2 });
      }),
  },
  {
    name: "malformed JSON gets 400 naming the line, and nothing is applied",
    run: async (serve) => {
      await refused(
        serve,
        (s) => post(s, '[{"country":"fr","ts":1},\n{"country":"de","ts":2,}]', JSON_TYPE),
        400,
        "Malformed JSON at line 2",
      );
      await refused(
        serve,
        (s) => post(s, '[{"country":"fr","ts":1}\n\n{"country":"de","ts":2}]', JSON_TYPE),
        400,
        "Malformed JSON at line 3: expected ',' or ']'",
      );
    },
  },
  {
    name: "malformed NDJSON gets 400 naming the line, and the valid lines before it are not applied",
    run: async (serve) => {
      await refused(
        serve,
        (s) => post(s, '{"country":"fr","ts":1}\n{"country":"de","ts":2}\n{"country":"it" "ts":3}\n'),
        400,
        "Malformed NDJSON at line 3",
      );
    },
  },
  {
    name: "a JSON body that is not an array or object gets 400",
    run: async (serve) => {
      await refused(serve, (s) => post(s, '"hello"', JSON_TYPE), 400, "must be a JSON array");
      await refused(serve, (s) => post(s, '[{"country":"fr","ts":1}', JSON_TYPE), 400, "not closed");
    },
  },
  {
    name: "schema violations get 400 listing every problem, and nothing is applied",
    run: async (serve) => {
      const body = await refused(
        serve,
        (s) => post(s, ndjson([{ country: "fr", ts: 1 }, { country: 7, ts: 2 }, { country: "fra", ts: 3 }])),
        400,
        "country: must be a string",
      );
      assertEquals(body.problems, [
        { event: 1, line: 2, message: "country: must be a string" },
        { event: 2, line: 3, message: "country: must be a 2-letter code" },
      ]);
    },
  },
  {
    name: "missing or invalid event time gets 400, and nothing is applied",
    run: async (serve) => {
      await refused(
        serve,
        (s) => post(s, ndjson([{ country: "fr", ts: 1 }, { country: "fr" }])),
        400,
        "event #1 (line 2): event time is missing",
      );
      await refused(
        serve,
        (s) => post(s, ndjson([{ country: "fr", ts: "soon" }])),
        400,
        "event time is not a finite number",
      );
      await refused(
        serve,
        (s) => post(s, JSON.stringify([{ country: "fr", ts: null }]), JSON_TYPE),
        400,
        "event time is missing",
      );
    },
  },
  {
    name: "an empty batch gets 400",
    run: async (serve) => {
      await refused(serve, (s) => post(s, "[]", JSON_TYPE), 400, "empty");
      await refused(serve, (s) => post(s, "\n\n"), 400, "empty");
    },
  },
  {
    name: "a body over maxBodyBytes gets 413, streamed or with Content-Length",
    run: async (serve) => {
      const big = ndjson(Array.from({ length: 200 }, (_, i) => ({ country: "fr", ts: i })));
      await refused(serve, (s) => post(s, big), 413, "larger than the limit of 4096 bytes");
      await refused(
        serve,
        (s) => post(s, chunked(big.match(/[^]{1,500}/g)!)),
        413,
        "larger than the limit of 4096 bytes",
      );
    },
  },
  {
    name: "a missing, malformed or wrong bearer token gets 401",
    run: async (serve) => {
      const body = ndjson([{ country: "fr", ts: 5 }]);
      await refused(
        serve,
        (s) => post(s, body, { "content-type": "application/x-ndjson" }),
        401,
        "Missing bearer token",
      );
      await refused(
        serve,
        (s) => post(s, body, { "content-type": "application/x-ndjson", authorization: `Basic ${TOKEN}` }),
        401,
        "Malformed Authorization",
      );
      await refused(
        serve,
        (s) => post(s, body, { "content-type": "application/x-ndjson", authorization: `Bearer ${TOKEN}x` }),
        401,
        "Invalid bearer token",
      );
    },
  },
  {
    name: "an unsupported Content-Type gets 415",
    run: async (serve) => {
      await refused(
        serve,
        (s) => post(s, "country=fr", { "content-type": "application/x-www-form-urlencoded", ...auth }),
        415,
        "Unsupported Content-Type",
      );
    },
  },
  {
    name: "more unprocessed events than maxPending gets 429 with Retry-After",
    run: async (serve) => {
      // The job is not started, so nothing is consumed: 1 event is pending after the setup batch.
      await refused(serve, (s) => post(s, ndjson([{ country: "fr", ts: 2 }])), 429, "Overloaded", {
        start: false,
        maxPending: 1,
      });
      await refused(
        serve,
        (s) => post(s, ndjson([{ country: "fr", ts: 2 }, { country: "fr", ts: 3 }])),
        429,
        "Overloaded",
        { start: false, maxPending: 2 },
      );
    },
  },
  {
    name: "a retried batch with the same Idempotency-Key gets the same offsets and is stored once",
    run: (serve) =>
      withServed(serve, { start: false }, async (s, fx) => {
        const headers = { ...NDJSON, "idempotency-key": "batch-1" };
        const first = await post(s, ndjson([{ country: "fr", ts: 1 }, { country: "fr", ts: 2 }]), headers);
        assertEquals(await first.json(), { offsets: [0, 1], count: 2 });
        const before = await fx.snapshot();
        const again = await post(s, ndjson([{ country: "fr", ts: 1 }, { country: "fr", ts: 2 }]), headers);
        assertEquals(again.status, 202);
        assertEquals(again.headers.get("idempotent-replayed"), "true");
        assertEquals(await again.json(), { offsets: [0, 1], count: 2, duplicate: true });
        assertEquals(await fx.snapshot(), before);
        const other = await post(s, ndjson([{ country: "de", ts: 3 }]), { ...NDJSON, "idempotency-key": "batch-2" });
        assertEquals(await other.json(), { offsets: [2, 2], count: 1 });
      }),
  },
  {
    name: "__proto__ keys are plain data: stored and replayed as own properties, no prototype is touched",
    run: (serve) =>
      withServed(serve, { start: false }, async (s, fx) => {
        const res = await post(
          s,
          '{"country":"fr","ts":1,"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}\n',
        );
        assertEquals(res.status, 202);
        assertEquals(({} as Record<string, unknown>).polluted, undefined);
        const r = await fx.log.open({}).next();
        assert(!r.done && r.value.type === "elements");
        const e = r.value.values[0] as Record<string, unknown>;
        assert(Object.hasOwn(e, "__proto__"), "__proto__ is an own property");
        assertEquals(Object.getPrototypeOf(e), Object.prototype);
        assertEquals(
          JSON.stringify(e),
          '{"country":"fr","ts":1,"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
        );
      }),
  },
];
