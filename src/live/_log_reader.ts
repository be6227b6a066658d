// One reader of the ingestion log: replays from an offset, then follows appends live. A plain
// AsyncIterator rather than an async generator, so that `return()` and an abort end a reader that is
// waiting for the next append at once (a generator's return() would queue behind that wait).
import type { SourceEvent } from "../pipeline/source.ts";

/** What a reader needs from its log. */
export interface LogAccess {
  /** The offset the next durable event will get: everything below it can be read. */
  end(): number;
  closed(): boolean;
  /** The events from `pos` to the end of the entry holding `pos`. */
  readAt(pos: number): Promise<{ values: unknown[]; end: number }>;
  /** Resolves at the next append or when the log closes. */
  changed(): Promise<void>;
  advanced(reader: LogReader<unknown>): void;
  detach(reader: LogReader<unknown>): void;
}

export class LogReader<T = unknown> implements AsyncIterator<SourceEvent<T>> {
  readonly #log: LogAccess;
  readonly #signal: AbortSignal | undefined;
  #pos: number;
  #done = false;
  #stop!: () => void;
  readonly #stopped: Promise<void>;
  readonly #onAbort = (): void => void this.#end();

  constructor(log: LogAccess, pos: number, signal: AbortSignal | undefined) {
    this.#log = log;
    this.#pos = pos;
    this.#signal = signal;
    this.#stopped = new Promise<void>((resolve) => {
      this.#stop = resolve;
    });
    signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** The offset of the next event this reader yields. */
  get position(): number {
    return this.#pos;
  }

  async next(): Promise<IteratorResult<SourceEvent<T>>> {
    for (;;) {
      if (this.#done || this.#log.closed() || this.#signal?.aborted) return this.#end();
      if (this.#pos < this.#log.end()) {
        const { values, end } = await this.#log.readAt(this.#pos);
        if (this.#done) return { done: true, value: undefined };
        this.#pos = end;
        this.#log.advanced(this);
        return { done: false, value: { type: "elements", values: values as T[], offset: end } };
      }
      await Promise.race([this.#log.changed(), this.#stopped]);
    }
  }

  return(): Promise<IteratorResult<SourceEvent<T>>> {
    return Promise.resolve(this.#end());
  }

  #end(): IteratorResult<SourceEvent<T>> {
    if (!this.#done) {
      this.#done = true;
      this.#stop();
      this.#signal?.removeEventListener("abort", this.#onAbort);
      this.#log.detach(this);
    }
    return { done: true, value: undefined };
  }
}
