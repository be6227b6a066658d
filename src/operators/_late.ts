// What happens to an element no window accepts: it goes to `onLate`, or is counted with one warning.
import { stepFailure } from "../errors.ts";
import type { Windower } from "../window/windower.ts";
import type { LateInfo } from "../window/window_options.ts";
import type { ResolvedWindowConfig } from "./window_config.ts";

export class LateElements {
  readonly #c: ResolvedWindowConfig;
  readonly #windower: Windower;
  #warned = false;
  /** Elements dropped as late (or for a closed window). */
  count = 0;

  /** `windower` is the engine's, for the windows a dropped element belonged to. */
  constructor(config: ResolvedWindowConfig, windower: Windower) {
    this.#c = config;
    this.#windower = windower;
  }

  drop(v: unknown, t: number, w: number, reason: LateInfo["reason"]): void {
    this.count++;
    const onLate = this.#c.onLate;
    if (onLate) {
      try {
        onLate(v, { timestamp: t, windows: this.#windower.windowsOf(t), watermark: w, reason });
      } catch (error) {
        throw stepFailure(`onLate of window #${this.#c.ordinal}`, v, error);
      }
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

/** Which user function a window step was running, for its StepError. */
export const KEY = 1, AGGREGATE = 2;
/** The event time of a batch the window step assigns itself (Batch.time): the event-time step's failure. */
export const TIME = 3;

/** The StepError for a user function of window step `config` that threw while `phase` ran. */
export function windowStepFailure(
  config: ResolvedWindowConfig,
  phase: number,
  element: unknown,
  error: unknown,
): unknown {
  return stepFailure(`${phase === KEY ? "keyBy" : "aggregate"} #${config.ordinal}`, element, error);
}
