// Type tests, checked by `tsc --noEmit` (npm run typecheck): what users get from the public API's
// inference. `Expect<Equal<A, B>>` fails to compile when A and B differ; `@ts-expect-error` lines
// fail when the error they expect goes away.
import {
  collect,
  count,
  distinctCount,
  first,
  last,
  max,
  mean,
  min,
  quantiles,
  stream,
  sum,
  topK,
  tumbling,
  type WindowResult,
} from "../../mod.ts";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
type Expect<T extends true> = T;

interface View {
  page: string;
  bytes: number;
  ts: number;
}
const views: View[] = [];
const windowed = () =>
  stream(views).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).keyBy((e) => e.page).window(tumbling(10));

// A combiner alone: the selector's element is the pipeline's element, the value its result.
const one = windowed().aggregate(sum((e) => e.bytes));
type OneValue = typeof one extends { toArray(): Promise<(infer R)[]> } ? R : never;
type _1 = Expect<Equal<OneValue, WindowResult<string, number>>>;

const maxed = windowed().aggregate(max((e) => e.bytes));
type _2 = Expect<Equal<Awaited<ReturnType<typeof maxed.toArray>>[number]["value"], number | undefined>>;

// An object of combiners: every part infers its element, each value keeps its type.
const many = windowed().aggregate({
  n: count(),
  total: sum((e) => e.bytes),
  avg: mean((e) => e.bytes),
  lo: min((e) => e.bytes),
  hi: max((e) => e.bytes),
  firstPage: first((e) => e.page),
  lastPage: last((e) => e.page),
  pages: collect((e) => e.page),
  distinct: distinctCount((e) => e.page),
  p50: quantiles(0.5, (e) => e.bytes),
  top: topK(3, (e) => e.page),
});
type ManyValue = Awaited<ReturnType<typeof many.toArray>>[number]["value"];
type _3 = Expect<Equal<ManyValue["n"], number>>;
type _4 = Expect<Equal<ManyValue["total"], number>>;
type _5 = Expect<Equal<ManyValue["firstPage"], string | undefined>>;
type _6 = Expect<Equal<ManyValue["pages"], string[]>>;
type _7 = Expect<Equal<ManyValue["lo"], number | undefined>>;
type _8 = Expect<Equal<ManyValue["top"][number]["value"], string>>;

// The key type flows from keyBy.
type _9 = Expect<Equal<Awaited<ReturnType<typeof many.toArray>>[number]["key"], string>>;

// A selector that reads a missing field is an error, not `any`.
// @ts-expect-error: `size` is not a field of View
windowed().aggregate(sum((e) => e.size));
// @ts-expect-error: `size` is not a field of View (inside an object of combiners)
windowed().aggregate({ n: count(), total: sum((e) => e.size) });

// A misspelled option is a type error too.
// @ts-expect-error: allowedLatness is not a window option
stream(views).window(tumbling(10), { allowedLatness: 5 });

// An observable's element type flows into the pipeline (RxJS's Observable, through Subscribable).
import { of } from "rxjs";
const fromObservable = stream(of({ page: "/", ts: 1 })).map((e) => e.page);
type _10 = Expect<Equal<Awaited<ReturnType<typeof fromObservable.toArray>>, string[]>>;

// An untyped IngestLog feeds a LiveJob whose event type comes from eventTime (the live entry's example).
import { type IngestLog, LiveJob } from "../../src/live/mod.ts";
declare const log: IngestLog;
const live = new LiveJob({
  id: "views",
  source: log,
  eventTime: (e: { ts: number; page: string }) => e.ts,
  maxOutOfOrderness: 0,
  pipeline: (events) => events.keyBy((e) => e.page).window(tumbling(10)).aggregate(count()),
});
type _11 = Expect<Equal<typeof live, LiveJob<{ ts: number; page: string }, WindowResult<string, number>>>>;
