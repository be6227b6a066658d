import type { GlobalWindows } from "./assigner.ts";
import type { Window } from "./types.ts";
import type { Windower } from "./windower.ts";

/** One window per key over all time, `[-Infinity, Infinity)`: never late, closed only at the end of input. */
export class GlobalWindower implements Windower {
  readonly merging = false;

  constructor(readonly assigner: GlobalWindows) {}

  assign(_t: number, out: number[]): number {
    out[0] = -Infinity;
    out[1] = Infinity;
    return 1;
  }

  windowsOf(_t: number): Window[] {
    return [{ start: -Infinity, end: Infinity }];
  }

  lastEnd(_t: number): number {
    return Infinity;
  }
}
