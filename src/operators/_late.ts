// What happens to an element no window accepts: it goes to `onLate`, or is counted with one warning.
import { mod, type WindowAssigner } from "../window/assigner.ts";
import type { Window } from "../window/types.ts";
import type { LateInfo, ResolvedWindowConfig } from "./window_config.ts";

/** The windows `assigner` puts an element with event time `t` into (proto-window for sessions). */
export function windowsOf(a: WindowAssigner, t: number): Window[] {
  switch (a.kind) {
    case "tumbling": {
      const s = t - mod(t - a.offset, a.size);
      return [{ start: s, end: s + a.size }];
    }
    case "sliding": {
      const last = t - mod(t - a.offset, a.slide);
      const out: Window[] = [];
      for (let j = 0; last - j * a.slide > t - a.size; j++) {
        out.push({ start: last - j * a.slide, end: last - j * a.slide + a.size });
      }
      return out.reverse(); // ascending window start
    }
    case "session":
      return [{ start: t, end: t + a.gap }];
    case "global":
      return [{ start: -Infinity, end: Infinity }];
  }
}

export class LateElements {
  readonly #c: ResolvedWindowConfig;
  #warned = false;
  /** Elements dropped as late (or for a closed window). */
  count = 0;

  constructor(config: ResolvedWindowConfig) {
    this.#c = config;
  }

  drop(v: unknown, t: number, w: number, reason: LateInfo["reason"]): void {
    this.count++;
    const onLate = this.#c.onLate;
    if (onLate) {
      onLate(v, { timestamp: t, windows: windowsOf(this.#c.assigner, t), watermark: w, reason });
    } else if (!this.#warned) {
      this.#warned = true;
      console.warn(
        `weir: window operator "${this.#c.id}" dropped an element (${reason}; event time ${t}, watermark ${w}). ` +
          `Pass onLate in the window options to receive such elements; further drops are only counted.`,
      );
    }
  }
}

/** The configuration a snapshot of a window operator depends on: restoring into another one fails. */
export function configSignature(c: ResolvedWindowConfig): string {
  return JSON.stringify({
    assigner: c.assigner,
    trigger: c.trigger,
    allowedLateness: String(c.allowedLateness),
    accumulating: c.accumulating,
    complete: c.complete,
    timestampCombiner: c.timestampCombiner,
  });
}
