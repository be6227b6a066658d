// Wraps a job's source so that it can be stopped from outside: every reader it opens also ends when
// `stop` aborts. What flows through is counted by the job itself (JobStats), not here.
import type { Source, SourceEvent } from "../pipeline/source.ts";

const noop = () => {};

/**
 * A signal that aborts when `a` or `b` does, and `release` to stop listening to both once the reader
 * it was made for is done: `stop` lives as long as the live job, and a listener left on it per reader
 * opened (one per run of the job) would never go.
 */
function anySignal(a: AbortSignal | undefined, b: AbortSignal): { signal: AbortSignal; release: () => void } {
  if (a === undefined) return { signal: b, release: noop };
  const c = new AbortController();
  const release = () => {
    a.removeEventListener("abort", abort);
    b.removeEventListener("abort", abort);
  };
  const abort = () => {
    release();
    c.abort();
  };
  if (a.aborted || b.aborted) c.abort();
  else {
    a.addEventListener("abort", abort);
    b.addEventListener("abort", abort);
  }
  return { signal: c.signal, release };
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
      const { signal, release } = anySignal(options.signal, stop);
      const it = source.open({
        ...(options.offset === undefined ? {} : { offset: options.offset }),
        signal,
      }) as AsyncIterator<SourceEvent<T>>;
      // The reader is done when it ends, fails or is returned: the signal's listeners go with it.
      return {
        async next() {
          try {
            const r = await it.next();
            if (r.done === true) release();
            return r;
          } catch (error) {
            release();
            throw error;
          }
        },
        async return(value?: unknown) {
          release();
          return it.return === undefined
            ? { done: true, value: value as undefined }
            : await it.return(value as undefined);
        },
      };
    },
  };
}
