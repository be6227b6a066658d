// The @most/core contestant: @most/core 1.x has no array source, so the usual one (one asap task that
// pushes every element and ends), a Stream/Sink pair doing the windowing (the shape of @most/core's own
// operators) with the same Windower as the other event-at-a-time rows, then tap + runEffects.
import { newStream, runEffects, tap } from "@most/core";
import { asap, newDefaultScheduler } from "@most/scheduler";
import type { Disposable, Scheduler, Sink as MostSink, Stream as MostStream, Time } from "@most/types";
import type { Emit, Windower } from "./_baselines.ts";
import type { BenchEvent } from "./_data.ts";

/** A fired window, as the @most/core stream carries it. */
interface Row {
  key: number;
  start: number;
  end: number;
  count: number;
  sum: number;
}

function fromIterable<A>(input: Iterable<A>): MostStream<A> {
  return newStream<A>((sink, scheduler) => {
    let active = true;
    const task = asap({
      run(t: Time) {
        if (Array.isArray(input)) {
          const a = input as A[];
          for (let i = 0; i < a.length && active; i++) sink.event(t, a[i]!);
        } else {
          for (const x of input) {
            if (!active) return;
            sink.event(t, x);
          }
        }
        if (active) sink.end(t);
      },
      error(t: Time, err: Error) {
        sink.error(t, err);
      },
      dispose() {
        active = false;
      },
    }, scheduler);
    return {
      dispose() {
        active = false;
        task.dispose();
      },
    };
  });
}

class EventTimeWindows implements MostStream<Row> {
  readonly #source: MostStream<BenchEvent>;
  readonly #make: (emit: Emit) => Windower;
  constructor(make: (emit: Emit) => Windower, source: MostStream<BenchEvent>) {
    this.#make = make;
    this.#source = source;
  }
  run(sink: MostSink<Row>, scheduler: Scheduler): Disposable {
    return this.#source.run(new EventTimeWindowsSink(this.#make, sink), scheduler);
  }
}

class EventTimeWindowsSink implements MostSink<BenchEvent> {
  readonly #sink: MostSink<Row>;
  readonly #w: Windower;
  #t: Time = 0;
  constructor(make: (emit: Emit) => Windower, sink: MostSink<Row>) {
    this.#sink = sink;
    this.#w = make((key, start, end, count, sum) => sink.event(this.#t, { key, start, end, count, sum }));
  }
  event(t: Time, e: BenchEvent): void {
    this.#t = t;
    this.#w.add(e);
  }
  end(t: Time): void {
    this.#t = t;
    this.#w.flush();
    this.#sink.end(t);
  }
  error(t: Time, err: Error): void {
    this.#sink.error(t, err);
  }
}

/** Runs `input` through @most/core with the windower `make` builds, each fired window to `emit`. */
export function runMost(
  make: (emit: Emit) => Windower,
  input: Iterable<BenchEvent>,
  emit: Emit,
): Promise<void> {
  return runEffects(
    tap((r: Row) => emit(r.key, r.start, r.end, r.count, r.sum), new EventTimeWindows(make, fromIterable(input))),
    newDefaultScheduler(),
  );
}
