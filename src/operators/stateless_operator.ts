// map / filter / flatMap fused into one pass over each batch.
import type { Batch, Operator, Output } from "./operator.ts";

export type Step =
  | { kind: "map"; fn: (v: unknown) => unknown }
  | { kind: "filter"; fn: (v: unknown) => unknown }
  | { kind: "flatMap"; fn: (v: unknown) => Iterable<unknown> };

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
  }

  data(batch: Batch, out: Output): void {
    const { values, ts, wm } = batch;
    const map = this.#simpleMap;
    if (map !== null) {
      const vs = new Array<unknown>(values.length);
      for (let i = 0; i < values.length; i++) vs[i] = map(values[i]);
      out.data({ values: vs, ts, wm, pt: batch.pt, bundle: batch.bundle });
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
    const run = (v: unknown, s: number, i: number): void => {
      for (; s < steps.length; s++) {
        const step = steps[s]!;
        if (step.kind === "map") v = step.fn(v);
        else if (step.kind === "filter") {
          if (!step.fn(v)) return;
        } else {
          for (const x of step.fn(v)) run(x, s + 1, i);
          return;
        }
      }
      emit(v, i);
    };
    for (let i = 0; i < values.length; i++) run(values[i], 0, i);
    if (vs.length > 0) {
      out.data({
        values: vs,
        ts: outTs === null ? null : Float64Array.from(outTs),
        wm: outWm === null ? wm : Float64Array.from(outWm),
        pt: batch.pt,
        bundle: batch.bundle,
      });
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
