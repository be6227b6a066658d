// RxJS interop: stream() takes an Observable, and RxJS's from() takes a weir stream back.
import { firstValueFrom, from, interval, map, Observable, of, Subject, take, throwError, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import { count, stream, sum, tumbling } from "../../mod.ts";

describe("stream(observable)", () => {
  it("windows what an RxJS Observable emits, and runs again (observables are cold)", async () => {
    const events = of({ ts: 1, v: 2 }, { ts: 3, v: 5 }, { ts: 12, v: 1 });
    const pipeline = stream(events).withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).window(tumbling(10))
      .aggregate({ n: count(), total: sum((e) => e.v) });
    const values = (await pipeline.toArray()).map((r) => [r.window.start, r.value]);
    expect(values).toEqual([[0, { n: 2, total: 7 }], [10, { n: 1, total: 1 }]]);
    expect((await pipeline.toArray()).length).toBe(2);
  });

  it("takes values pushed later (a Subject), and ends when it completes", async () => {
    const subject = new Subject<number>();
    const out = stream(subject).map((n) => n * 10).toArray();
    // A Subject is hot: wait until the run has subscribed.
    while (!subject.observed) await new Promise((r) => setTimeout(r, 0));
    subject.next(1);
    subject.next(2);
    await new Promise((r) => setTimeout(r, 0));
    subject.next(3);
    subject.complete();
    expect(await out).toEqual([10, 20, 30]);
  });

  it("fails the run with the observable's error, after what it emitted before", async () => {
    const seen: number[] = [];
    const failing = new Observable<number>((s) => {
      s.next(1);
      s.error(new RangeError("source broke"));
    });
    await expect(stream(failing).forEach((n) => void seen.push(n))).rejects.toThrow("source broke");
    expect(seen).toEqual([1]);
    await expect(stream(throwError(() => new Error("at once"))).toArray()).rejects.toThrow("at once");
  });

  it("unsubscribes when the run stops early", async () => {
    let unsubscribed = false;
    const endless = new Observable<number>((s) => {
      const id = setInterval(() => s.next(1), 1);
      return () => {
        clearInterval(id);
        unsubscribed = true;
      };
    });
    for await (const _ of stream(endless)) break;
    expect(unsubscribed).toBe(true);
  });

  it("results go back into RxJS with from(), a weir stream being an async iterable", async () => {
    const results = stream(interval(1).pipe(take(5), map((i) => ({ ts: i * 4 }))))
      .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 }).window(tumbling(10)).aggregate(count());
    const counts = await firstValueFrom(from(results).pipe(map((r) => r.value), toArray()));
    expect(counts).toEqual([3, 2]);
  });
});
