// Wraps a job's source to watch what flows through it (event counts and the largest event time, for
// the watermark metric; commit times, for checkpoint age) and to stop it from outside: every reader
// it opens also ends when `stop` aborts.
import type { Source, SourceEvent } from "../pipeline/source.ts";

export interface SourceObserver {
  elements(values: readonly unknown[]): void;
  committed(): void;
}

function anySignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  if (a === undefined) return b;
  const c = new AbortController();
  const abort = () => c.abort();
  if (a.aborted || b.aborted) c.abort();
  a.addEventListener("abort", abort, { once: true });
  b.addEventListener("abort", abort, { once: true });
  return c.signal;
}

export function observedSource<T>(source: Source<T>, stop: AbortSignal, observer: SourceObserver): Source<T> {
  return {
    kind: "source",
    replayable: source.replayable,
    ...(source.createClock === undefined ? {} : { createClock: () => source.createClock!() }),
    ...(source.flushOnEnd === undefined ? {} : { flushOnEnd: source.flushOnEnd }),
    ...(source.commit === undefined ? {} : {
      async commit(offset: unknown) {
        await source.commit!(offset);
        observer.committed();
      },
    }),
    open(options) {
      const signal = anySignal(options.signal, stop);
      const inner = source.open({
        ...(options.offset === undefined ? {} : { offset: options.offset }),
        signal,
      }) as AsyncIterator<SourceEvent<T>>;
      return {
        async next() {
          const r = await inner.next();
          if (!r.done && r.value.type === "elements") observer.elements(r.value.values);
          return r;
        },
        async return() {
          return (await inner.return?.()) ?? { done: true, value: undefined };
        },
      };
    },
  };
}
