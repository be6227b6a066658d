// Wraps a job's source so that it can be stopped from outside: every reader it opens also ends when
// `stop` aborts. What flows through is counted by the job itself (JobStats), not here.
import type { Source, SourceEvent } from "../pipeline/source.ts";

function anySignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  if (a === undefined) return b;
  const c = new AbortController();
  const abort = () => c.abort();
  if (a.aborted || b.aborted) c.abort();
  a.addEventListener("abort", abort, { once: true });
  b.addEventListener("abort", abort, { once: true });
  return c.signal;
}

export function stoppableSource<T>(source: Source<T>, stop: AbortSignal): Source<T> {
  return {
    kind: "source",
    replayable: source.replayable,
    ...(source.createClock === undefined ? {} : { createClock: () => source.createClock!() }),
    ...(source.flushOnEnd === undefined ? {} : { flushOnEnd: source.flushOnEnd }),
    ...(source.bundles === undefined ? {} : { bundles: source.bundles }),
    ...(source.commit === undefined ? {} : { commit: (offset: unknown) => source.commit!(offset) }),
    open(options) {
      const signal = anySignal(options.signal, stop);
      return source.open({
        ...(options.offset === undefined ? {} : { offset: options.offset }),
        signal,
      }) as AsyncIterator<SourceEvent<T>>;
    },
  };
}
