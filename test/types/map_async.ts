// Type tests of mapAsync, checked by `tsc --noEmit` (npm run typecheck): the element type comes from
// what `fn` resolves to, whether it returns a promise or a plain value, and flows on into
// windows; a misspelled option is an error.
import { count, type Stream, stream, tumbling, type WindowResult } from "../../mod.ts";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
type Expect<T extends true> = T;

interface View {
  page: string;
  ts: number;
}
const views: View[] = [];

const fromPromise = stream(views).mapAsync((v) => Promise.resolve({ ...v, title: v.page.toUpperCase() }));
type _1 = Expect<Equal<typeof fromPromise, Stream<{ title: string; page: string; ts: number }>>>;

const fromValue = stream([1, 2]).mapAsync((n) => String(n));
type _2 = Expect<Equal<typeof fromValue, Stream<string>>>;

const windowed = stream(views)
  .withEventTime((v) => v.ts, { maxOutOfOrderness: 0 })
  .mapAsync((v, { signal }) => fetch(`/pages/${v.page}`, { signal }).then(() => v), { concurrency: 8 })
  .keyBy((v) => v.page)
  .window(tumbling(1_000))
  .aggregate(count());
type _4 = Expect<Equal<typeof windowed, Stream<WindowResult<string, number>>>>;

// @ts-expect-error misspelled option
stream(views).mapAsync((v) => v, { concurency: 2 });
