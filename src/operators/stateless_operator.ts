// map / filter / flatMap fused into one pass over each batch.
import { preview, stepFailure } from "../errors.ts";
import { type Batch, newBatch, type Operator, type Output } from "./operator.ts";
import { blankFunction, keepShapes } from "./shapes.ts";

/** A stateless step; `label` names it in errors ("map #2"), set when the pipeline is compiled. */
export type Step =
  | { kind: "map"; fn: (v: unknown) => unknown; label?: string }
  | { kind: "filter"; fn: (v: unknown) => unknown; label?: string }
  | { kind: "flatMap"; fn: (v: unknown) => Iterable<unknown>; label?: string };

/**
 * A step as the pipeline compiles it: every step, a job's and the blank ones a StatelessOperator
 * keeps (shapes.ts), is made by this one literal, so all have one hidden class, which the operator's
 * compiled loop checks. (A spread copy of the pipeline's node had one of its own, which died with
 * the job two full collections later, and the operator's `data` with it.)
 */
export function newStep(kind: Step["kind"], fn: Step["fn"], label: string): Step {
  return { kind, fn, label } as Step;
}

function isThenable(v: unknown): boolean {
  return typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";
}

function labelOf(step: Step): string {
  return step.label ?? step.kind;
}

/** A map step must not return a promise: map runs synchronously (mapAsync is the asynchronous map). */
function promiseReturned(step: Step): TypeError {
  return new TypeError(
    `${labelOf(step)} returned a Promise: map runs synchronously, so its value would be the promise itself. ` +
      `Use mapAsync(fn, { concurrency }) for an asynchronous function (results keep input order)`,
  );
}

/** A chain of stateless steps run as one operator (no per-step batches, no per-step streams). */
export class StatelessOperator implements Operator {
  readonly id: string;
  readonly signature: string;
  readonly #steps: Step[];
  readonly #simpleMap: ((v: unknown) => unknown) | null;

  constructor(id: string, steps: Step[]) {
    this.id = id;
    this.#steps = steps;
    this.signature = JSON.stringify(steps.map((s) => s.kind));
    this.#simpleMap = steps.length === 1 && steps[0]!.kind === "map" ? steps[0]!.fn : null;
    // (blank steps of the same kinds, whose functions are weir's own: see shapes.ts)
    keepShapes(StatelessOperator, () => [
      new StatelessOperator(id, steps.map((step) => newStep(step.kind, blankFunction, labelOf(step)))),
    ]);
  }

  data(batch: Batch, out: Output): void {
    const { values, ts, wm } = batch;
    const map = this.#simpleMap;
    if (map !== null) {
      const vs = new Array<unknown>(values.length);
      let i = 0;
      try {
        for (; i < values.length; i++) {
          const v = map(values[i]);
          if (typeof v === "object" && v !== null && isThenable(v)) throw promiseReturned(this.#steps[0]!);
          vs[i] = v;
        }
      } catch (error) {
        throw stepFailure(labelOf(this.#steps[0]!), values[i], error);
      }
      out.data(newBatch(vs, ts, wm, batch.pt, batch.bundle));
      return;
    }
    const vs: unknown[] = [];
    const outTs: number[] | null = ts === null ? null : [];
    const outWm: number[] | null = typeof wm === "number" ? null : [];
    const steps = this.#steps;
    const emit = (v: unknown, i: number) => {
      vs.push(v);
      if (outTs !== null) outTs.push(ts![i]!);
      if (outWm !== null) outWm.push((wm as Float64Array)[i]!);
    };
    // The step running and its input, for the StepError of a user function that throws.
    let current: Step = steps[0]!;
    let input: unknown = undefined;
    const run = (v: unknown, s: number, i: number): void => {
      for (; s < steps.length; s++) {
        const step = steps[s]!;
        current = step;
        input = v;
        if (step.kind === "map") {
          v = step.fn(v);
          if (typeof v === "object" && v !== null && isThenable(v)) throw promiseReturned(step);
        } else if (step.kind === "filter") {
          if (!step.fn(v)) return;
        } else {
          const many = step.fn(v);
          if (typeof (many as Partial<Iterable<unknown>> | null)?.[Symbol.iterator] !== "function") {
            throw new TypeError(
              `${labelOf(step)} must return an iterable (an array, a Set, a generator): current value is ${
                preview(many)
              }`,
            );
          }
          for (const x of many) run(x, s + 1, i);
          return;
        }
      }
      emit(v, i);
    };
    try {
      for (let i = 0; i < values.length; i++) run(values[i], 0, i);
    } catch (error) {
      throw stepFailure(labelOf(current), input, error);
    }
    if (vs.length > 0) {
      out.data(newBatch(
        vs,
        outTs === null ? null : Float64Array.from(outTs),
        outWm === null ? wm : Float64Array.from(outWm),
        batch.pt,
        batch.bundle,
      ));
    }
  }

  watermark(wm: number, pt: number, out: Output): void {
    out.watermark(wm, pt);
  }
  tick(): void {}
  nextDeadline(): number {
    return Infinity;
  }
  snapshot(): unknown {
    return null;
  }
  restore(): void {}
}
