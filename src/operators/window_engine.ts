// Which engine runs `.window(assigner, options).aggregate(combiner)`. There are two, giving the same
// panes (a property test holds them equal):
// - SlicedWindowOperator (sliced_window_operator.ts): tumbling and sliding windows (size a multiple
//   of the slide) with the default or never() trigger, no allowed lateness, END_OF_WINDOW timestamps.
//   Each element is folded once into its key's slice; a window is the merge of its slices. The
//   README's tumbling and sliding examples run here.
// - SessionWindowOperator (session_window_operator.ts): session windows with the default or never()
//   trigger, no allowed lateness, END_OF_WINDOW timestamps: a short list of open sessions per key and
//   one heap of session ends. The README's session example runs here.
// - GeneralWindowOperator (general_window_operator.ts): everything else — other session configurations, global windows,
//   any trigger, allowed lateness, other timestamp combiners — with per-window state following Beam's
//   ReduceFnRunner.
import { GeneralWindowOperator } from "./general_window_operator.ts";
import type { WindowEngine } from "./operator.ts";
import { canRunSessions, SessionWindowOperator } from "./session_window_operator.ts";
import { canSlice, SlicedWindowOperator } from "./sliced_window_operator.ts";
import type { ResolvedWindowConfig } from "./window_config.ts";

/** The engine for a window step: the sliced one where it applies, else the general one. */
export function windowEngineFor(config: ResolvedWindowConfig): WindowEngine {
  if (canSlice(config)) return new SlicedWindowOperator(config);
  if (canRunSessions(config)) return new SessionWindowOperator(config);
  return new GeneralWindowOperator(config);
}
