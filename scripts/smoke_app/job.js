// The job every smoke target runs over the installed package (Node, Bun, Deno, a Vite build in
// Chromium, workerd): windows with an async lookup, a checkpointed run committing into the target's own
// state store, and a TestStream. Each target prints what `smokeJob` returns; all must agree with Node.
// Plain JavaScript, so that every runtime and bundler loads it as it is.
import { count, readResults, storeSink, stream, sum, tumbling } from "weirjs";
import { TestStream } from "weirjs/testing";

const events = [{ k: "a", ts: 1, v: 2 }, { k: "b", ts: 4, v: 1 }, { k: "a", ts: 12, v: 5 }, { k: "a", ts: 3, v: 9 }];

/** Runs the job, checkpointing into `store` (which it closes), and returns its results as JSON. */
export async function smokeJob(store) {
  const results = await stream(events)
    .mapAsync((e) => new Promise((resolve) => setTimeout(() => resolve({ ...e, v: e.v * 10 }), 5 - e.v % 5)), {
      concurrency: 2,
    })
    .withEventTime((e) => e.ts, { maxOutOfOrderness: 5 })
    .keyBy((e) => e.k)
    .window(tumbling(10))
    .aggregate({ n: count(), total: sum((e) => e.v) })
    .toArray();
  await stream(events)
    .withEventTime((e) => e.ts, { maxOutOfOrderness: 5 })
    .window(tumbling(10))
    .aggregate(count())
    .checkpoint({ store, id: "smoke", every: { events: 2 } })
    .pipeTo(storeSink({ store, job: "smoke" }));
  const committed = (await readResults(store, "smoke")).map((r) => [r.window.start, r.value]);
  await store.close();
  const scripted = await stream(
    TestStream.create().addElements({ value: 1, timestamp: 1 }).advanceWatermarkToInfinity(),
  )
    .window(tumbling(10))
    .aggregate(count())
    .toArray();
  return JSON.stringify({
    results: results.map((r) => [r.key, r.window.start, r.value, r.pane.timing]),
    committed,
    scripted: scripted.map((r) => r.value),
  });
}
