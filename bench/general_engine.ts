/// <reference types="node" />
// The general engine (GeneralWindowOperator): what W1-W3's pipeline costs in configurations the fused
// engines do not take (allowed lateness, a trigger with early firings), against the same pipeline with
// the default configuration (a fused engine) and the plain loop of `_baselines.ts`, per 1M events.
// With `--disorder` above the 2 s bound, some elements come after the watermark passed their window and
// fire late panes (allowed lateness 5 s); the loop drops them (its counts are the on-time ones).
//
// Run: node_modules/.bin/esbuild bench/general_engine.ts --bundle --platform=node --format=esm --outfile=/tmp/general.mjs
//      node /tmp/general.mjs [--events 1000000] [--keys 1000] [--reps 7] [--disorder 3000]
import { afterCount, afterWatermark, count, session, sliding, stream, sum, tumbling } from "../mod.ts";
import type { WindowOptions } from "../mod.ts";
import { loopWorkload } from "./_baselines.ts";
import { type BenchEvent, burstyEvents, cpuMs, intArg, materialize, median, uniformEvents } from "./_data.ts";

const EVENTS = intArg("events", 1_000_000);
const KEYS = intArg("keys", 1_000);
const REPS = intArg("reps", 7);
const DISORDER = intArg("disorder", 3_000);
const BOUND = 2_000;

const uniform = materialize(uniformEvents(EVENTS, 1, KEYS, DISORDER));
const bursty = materialize(burstyEvents(EVENTS, 1, KEYS, DISORDER));

function weir(workload: string, events: readonly BenchEvent[], options: WindowOptions<BenchEvent>): Promise<void> {
  const assigner = workload === "w1" ? tumbling(10_000) : workload === "w2" ? sliding(60_000, 10_000) : session(30_000);
  let n = 0;
  return stream(events)
    .withEventTime((e) => e.ts, { maxOutOfOrderness: BOUND })
    .keyBy((e) => e.key)
    .window(assigner, options)
    .aggregate({ n: count(), total: sum((e: BenchEvent) => e.value) })
    .forEach((r) => {
      n += r.value.n;
    });
}

const cases: { name: string; workload: string; options: WindowOptions<BenchEvent> }[] = [
  { name: "W1, allowedLateness 5 s", workload: "w1", options: { allowedLateness: 5_000, onLate: () => {} } },
  { name: "W2, allowedLateness 5 s", workload: "w2", options: { allowedLateness: 5_000, onLate: () => {} } },
  { name: "W3, allowedLateness 5 s", workload: "w3", options: { allowedLateness: 5_000, onLate: () => {} } },
  {
    name: "W1, early panes every 100 elements",
    workload: "w1",
    options: { trigger: afterWatermark({ early: afterCount(100) }), onLate: () => {} },
  },
];

console.log(
  `general engine: ${KEYS.toLocaleString("en")} keys, ${EVENTS.toLocaleString("en")} events, disorder ${DISORDER} ms ` +
    `(bound ${BOUND}), ${REPS} reps after one untimed (CPU ms, medians)`,
);
for (const c of cases) {
  const events = c.workload === "w3" ? bursty : uniform;
  const loop = () => loopWorkload(c.workload, events, () => {});
  const fused = () => weir(c.workload, events, { onLate: () => {} });
  const general = () => weir(c.workload, events, c.options);
  const l: number[] = [], f: number[] = [], g: number[] = [];
  for (let r = 0; r <= REPS; r++) {
    const a = await cpuMs(loop), b = await cpuMs(fused), d = await cpuMs(general);
    if (r === 0) continue;
    l.push(a);
    f.push(b);
    g.push(d);
  }
  console.log(
    `  ${c.name.padEnd(36)} loop ${median(l).toFixed(0).padStart(5)}  weir default ${
      median(f).toFixed(0).padStart(5)
    }  weir this configuration ${median(g).toFixed(0).padStart(5)} (loop/weir ${(median(l) / median(g)).toFixed(2)})`,
  );
}
