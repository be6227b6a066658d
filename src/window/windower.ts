// The windower of an assigner (bytewax's WindowerLogic): which windows an element belongs to, when
// an element is too late for all of them, and, for merging assigners, which windows merge. Engines in
// src/operators/ drive triggers, panes and state; they ask the windower everything about windows.
//
// Windowers are stateless: the windows they open live in the engine's per-key state, which the
// engine snapshots (with named fields). Their configuration is the assigner, which is what a
// snapshot's signature records.
import type { WindowAssigner } from "./assigner.ts";
import type { Window } from "./types.ts";
import { AlignedWindower } from "./aligned_windower.ts";
import { GlobalWindower } from "./global_windower.ts";
import { SessionWindower } from "./session_windower.ts";

/** What every windower answers. */
export interface Windower {
  readonly assigner: WindowAssigner;
  /** True when overlapping windows of one key merge (sessions): see {@linkcode SessionWindower}. */
  readonly merging: boolean;
  /**
   * Writes the windows an element at event time `t` belongs to into `out`, as `start, end` pairs in
   * ascending start order, and returns how many there are (0: a sliding gap holds no window). For a
   * merging windower this is the element's own window, before merging.
   */
  assign(t: number, out: number[]): number;
  /** The same windows as objects (for late-data reports). */
  windowsOf(t: number): Window[];
  /**
   * The largest end of the windows of `t`: once the watermark passes it plus the allowed lateness,
   * every window `t` could join is garbage-collected and the element is late (Beam's
   * LateDataDroppingDoFnRunner). -Infinity when `t` belongs to no window.
   */
  lastEnd(t: number): number;
}

/** The windower for `assigner`. */
export function windowerFor(assigner: WindowAssigner): AlignedWindower | SessionWindower | GlobalWindower {
  switch (assigner.kind) {
    case "tumbling":
      return new AlignedWindower(assigner, assigner.size, assigner.size, assigner.offset);
    case "sliding":
      return new AlignedWindower(assigner, assigner.size, assigner.slide, assigner.offset);
    case "session":
      return new SessionWindower(assigner);
    case "global":
      return new GlobalWindower(assigner);
  }
}
