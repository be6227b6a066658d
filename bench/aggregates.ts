/// <reference types="node" />
// Built-in aggregates beyond W1's `{ count, sum }` of integers: the same tumbling 10 s windows over W1's
// events (1,000 keys by default, 2 s of disorder), with the values as integers (0..999) or as
// fractions (value / 100 + 0.01, as prices or measurements are), against the plain loops of
// `_baselines.ts`: `loopTumbling` (one Map per window, a `{ count, sum }` object per key) and
// `loopTumblingStats` (`{ count, sum, min, max }`); a mean is sum / count when the window fires.
// Then W2's sliding windows (60 s every 10 s) of aggregates with a min or a max, which cannot be taken
// back out of a running window: against `loopSlidingStats` (each event into each of its six windows).
//
// The loops add with `+`; weir's `sum()` and `mean()` are exact (the correctly rounded exact total,
// whatever the order of the values), so on fractions their results may differ from the loop's in the
// last bits: the check compares counts exactly and sums to 1e-9 relative.
//
// Run: node_modules/.bin/esbuild bench/aggregates.ts --bundle --platform=node --format=esm --outfile=/tmp/agg.mjs
//      node /tmp/agg.mjs [--events 1000000] [--keys 1000] [--reps 7] [--slide 10000] [--only sliding]
// (`--slide 1000` gives sliding windows of 60 slices; `--keys` as large as `--events` keys seen about once.)
import { count, max, mean, min, sliding, stream, sum, tumbling } from "../mod.ts";
import { loopSlidingStats, loopTumbling, loopTumblingStats } from "./_baselines.ts";
import { type BenchEvent, cpuMs, intArg, materialize, median, uniformEvents } from "./_data.ts";

const EVENTS = intArg("events", 1_000_000);
const KEYS = intArg("keys", 1_000);
const REPS = intArg("reps", 7);
const SIZE = 10_000;
const BOUND = 2_000;
/** W2's sliding windows. */
const SLIDING_SIZE = 60_000, SLIDE = intArg("slide", 10_000);

const ints = materialize(uniformEvents(EVENTS, KEYS));
const fractions = ints.map((e) => ({ ...e, value: e.value / 100 + 0.01 }));

/** What a run fired: windows, and the totals of its counts and sums (or means times counts). */
interface Tally {
  windows: number;
  count: number;
  sum: number;
}

/** `{ count, sum, min, max }` per key (a mean is sum / count when the window fires). */
function loopStats(events: readonly BenchEvent[], tally: Tally): void {
  loopTumblingStats(events, SIZE, BOUND, (_k, _s, _e, a) => {
    tally.windows++;
    tally.count += a.count;
    tally.sum += (a.sum / a.count) * a.count + a.min - a.max;
  });
}

/** loopStats over W2's sliding windows, `{ count, min, max }` or with the sum (`five`: a mean is sum / count). */
function loopSlidingStatsOf(events: readonly BenchEvent[], five: boolean, tally: Tally): void {
  loopSlidingStats(events, SLIDING_SIZE, SLIDE, BOUND, (_k, _s, _e, a) => {
    tally.windows++;
    tally.count += a.count;
    tally.sum += (five ? (a.sum / a.count) * a.count : 0) + a.min - a.max;
  });
}

function loopSums(events: readonly BenchEvent[], tally: Tally): void {
  loopTumbling(events, SIZE, BOUND, (_k, _s, _e, n, total) => {
    tally.windows++;
    tally.count += n;
    tally.sum += total;
  });
}

const value = (e: BenchEvent) => e.value;

async function weir(
  events: readonly BenchEvent[],
  kind: "sum" | "mean" | "five" | "extremes",
  tally: Tally,
  slidingWindows = false,
): Promise<void> {
  const windowed = stream(events).withEventTime((e) => e.ts, { maxOutOfOrderness: BOUND }).keyBy((e) => e.key)
    .window(slidingWindows ? sliding(SLIDING_SIZE, SLIDE) : tumbling(SIZE));
  if (kind === "extremes") {
    await windowed.aggregate({ n: count(), lo: min(value), hi: max(value) }).forEach((r) => {
      tally.windows++;
      tally.count += r.value.n;
      tally.sum += r.value.lo! - r.value.hi!;
    });
  } else if (kind === "sum") {
    await windowed.aggregate({ n: count(), total: sum(value) }).forEach((r) => {
      tally.windows++;
      tally.count += r.value.n;
      tally.sum += r.value.total;
    });
  } else if (kind === "mean") {
    await windowed.aggregate({ n: count(), avg: mean(value) }).forEach((r) => {
      tally.windows++;
      tally.count += r.value.n;
      tally.sum += r.value.avg! * r.value.n;
    });
  } else {
    await windowed.aggregate({ n: count(), total: sum(value), lo: min(value), hi: max(value), avg: mean(value) })
      .forEach((r) => {
        tally.windows++;
        tally.count += r.value.n;
        tally.sum += r.value.avg! * r.value.n + r.value.lo! - r.value.hi!;
      });
  }
}

interface Case {
  name: string;
  loop: (tally: Tally) => void;
  weir: (tally: Tally) => Promise<void>;
}

const cases: Case[] = [
  { name: "{ count, sum }, integers", loop: (t) => loopSums(ints, t), weir: (t) => weir(ints, "sum", t) },
  { name: "{ count, sum }, fractions", loop: (t) => loopSums(fractions, t), weir: (t) => weir(fractions, "sum", t) },
  { name: "{ count, mean }, fractions", loop: (t) => loopSums(fractions, t), weir: (t) => weir(fractions, "mean", t) },
  {
    name: "{ count, sum, min, max, mean }, fractions",
    loop: (t) => loopStats(fractions, t),
    weir: (t) => weir(fractions, "five", t),
  },
  {
    name: "sliding { count, min, max }, fractions",
    loop: (t) => loopSlidingStatsOf(fractions, false, t),
    weir: (t) => weir(fractions, "extremes", t, true),
  },
  {
    name: "sliding { count, sum, min, max, mean }, fr.",
    loop: (t) => loopSlidingStatsOf(fractions, true, t),
    weir: (t) => weir(fractions, "five", t, true),
  },
];

console.log(
  `aggregates: tumbling 10 s (sliding 60 s every ${SLIDE / 1000} s), ${KEYS.toLocaleString("en")} keys, ${
    EVENTS.toLocaleString("en")
  } events, ${REPS} reps after an untimed run that checks the results (CPU ms, medians)`,
);
const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1]! : "";
for (const c of cases.filter((c) => c.name.includes(only))) {
  const a: Tally = { windows: 0, count: 0, sum: 0 }, b: Tally = { windows: 0, count: 0, sum: 0 };
  c.loop(a);
  await c.weir(b);
  if (a.windows !== b.windows || a.count !== b.count || Math.abs(a.sum - b.sum) > 1e-9 * Math.abs(a.sum)) {
    throw new Error(`${c.name}: weir ${JSON.stringify(b)}, loop ${JSON.stringify(a)}`);
  }
  const loop: number[] = [], ours: number[] = [], ratio: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const l = await cpuMs(() => c.loop({ windows: 0, count: 0, sum: 0 }));
    const w = await cpuMs(() => c.weir({ windows: 0, count: 0, sum: 0 }));
    loop.push(l);
    ours.push(w);
    ratio.push(l / w);
  }
  console.log(
    `  ${c.name.padEnd(42)} loop ${median(loop).toFixed(1).padStart(7)}  weir ${
      median(ours).toFixed(1).padStart(7)
    }  loop/weir ${median(ratio).toFixed(2)}`,
  );
}
