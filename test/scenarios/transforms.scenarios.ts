import {
  count,
  FilterStream,
  FlatMapStream,
  MapStream,
  pipelineTransform,
  type Source,
  stream,
  tumbling,
  type WindowResult,
  WindowStream,
} from "../../mod.ts";
import { assertEquals } from "../_assert.ts";
import type { Scenario } from "./_scenario.ts";

function readable<T>(items: T[]): ReadableStream<T> {
  return new ReadableStream<T>({
    start(c) {
      for (const x of items) c.enqueue(x);
      c.close();
    },
  });
}

async function drain<T>(r: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  const reader = r.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

const brief = (rs: WindowResult<unknown, unknown>[]) =>
  rs.map((r) => `${String(r.key)}[${r.window.start},${r.window.end})=${JSON.stringify(r.value)}`).sort();

export default [
  {
    name: "a consumer that stops early stops a source still waiting for input (its read aborts)",
    async run() {
      // Events, then a source that waits for more until its read is aborted (an idle subscription). The
      // windows fire on processing time (idleTimeout) while that read is in flight: the job's return()
      // must not wait for an event that never comes.
      let aborted = 0;
      const waiting: Source<{ ts: number }> = {
        kind: "source",
        replayable: false,
        async *open({ signal }) {
          yield { type: "elements", values: [{ ts: 1 }, { ts: 2 }] };
          await new Promise<void>((_, reject) => {
            signal?.addEventListener("abort", () => {
              aborted++;
              reject(signal.reason);
            }, { once: true });
          });
        },
      };
      const windowed = () =>
        stream(waiting).withEventTime((e) => e.ts, { maxOutOfOrderness: 0, idleTimeout: 20 })
          .window(tumbling(10)).aggregate(count());
      const seen: number[] = [];
      for await (const r of windowed()) {
        seen.push(r.value);
        break;
      }
      assertEquals(seen, [2]);
      assertEquals(aborted, 1);
      // A consumer's error stops the job the same way.
      let failure: unknown;
      try {
        await windowed().forEach(() => {
          throw new Error("consumer failed");
        });
      } catch (e) {
        failure = e;
      }
      assertEquals((failure as Error).message, "consumer failed");
      assertEquals(aborted, 2);
    },
  },
  {
    name: "MapStream, FilterStream and FlatMapStream compose with pipeThrough",
    async run() {
      const out = await drain(
        readable(["a b", "c", "d e f"])
          .pipeThrough(new FlatMapStream((s: string) => s.split(" ")))
          .pipeThrough(new FilterStream((w: string) => w !== "c"))
          .pipeThrough(new MapStream((w: string) => w.toUpperCase())),
      );
      assertEquals(out, ["A", "B", "D", "E", "F"]);
    },
  },
  {
    name: "WindowStream windows a plain ReadableStream and fires everything when the input closes",
    async run() {
      const events = [{ u: "a", ts: 1 }, { u: "b", ts: 4 }, { u: "a", ts: 12 }, { u: "a", ts: 3 }];
      const rs = await drain(
        readable(events).pipeThrough(
          new WindowStream({
            eventTime: (e) => e.ts,
            maxOutOfOrderness: 20,
            key: (e) => e.u,
            window: tumbling(10),
            aggregate: count(),
          }),
        ),
      );
      assertEquals(brief(rs), ["a[0,10)=2", "a[10,20)=1", "b[0,10)=1"]);
    },
  },
  {
    name: "WindowStream sends late elements to onLate",
    async run() {
      const late: number[] = [];
      const rs = await drain(
        readable([{ ts: 1 }, { ts: 25 }, { ts: 2 }]).pipeThrough(
          new WindowStream({
            eventTime: (e: { ts: number }) => e.ts,
            maxOutOfOrderness: 0,
            window: tumbling(10),
            aggregate: count(),
            onLate: (e) => late.push(e.ts),
          }),
        ),
      );
      assertEquals(brief(rs), ["null[0,10)=1", "null[20,30)=1"]);
      assertEquals(late, [2]);
    },
  },
  {
    name: "pipelineTransform turns a whole pipeline into a transform",
    async run() {
      const rs = await drain(
        readable([{ ts: 5, v: 2 }, { ts: 15, v: 3 }]).pipeThrough(
          pipelineTransform((s) =>
            s.withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).map((e) => ({ ...e, v: e.v * 10 }))
              .window(tumbling(10)).aggregate({ n: count() })
          ),
        ),
      );
      assertEquals(brief(rs), ['null[0,10)={"n":1}', 'null[10,20)={"n":1}']);
    },
  },
] satisfies Scenario[];
