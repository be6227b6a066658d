// Compact forms of panes and elements shared by the trigger and Beam-rule scenarios.
import type { WindowResult } from "../../mod.ts";

/** A TestStream element with event time `timestamp`. */
export const el = (timestamp: number, value = "x"): { value: string; timestamp: number } => ({ value, timestamp });

/** `value timing#index(nonSpeculativeIndex)[ first][ final]`. */
export const pane = (r: WindowResult<unknown, unknown>): string =>
  `${JSON.stringify(r.value)} ${r.pane.timing}#${r.pane.index}(${r.pane.nonSpeculativeIndex})${
    r.pane.isFirst ? " first" : ""
  }${r.pane.isFinal ? " final" : ""}`;

/** {@linkcode pane} of each result, in emission order. */
export const panes = (rs: WindowResult<unknown, unknown>[]): string[] => rs.map(pane);
