/**
 * Windows: the assigners (`tumbling`, `sliding`, `session`, `global`), the options of `.window()`,
 * results and their panes, and result ids. The windowers behind the assigners (windower.ts) are
 * internal.
 *
 * @module
 */
export type { GlobalWindows, SessionWindows, SlidingWindows, TumblingWindows, WindowAssigner } from "./assigner.ts";
export { tumbling } from "./tumbling.ts";
export { sliding } from "./sliding.ts";
export { session } from "./session.ts";
export { global } from "./global.ts";
export type { LateInfo, WindowOptions } from "./window_options.ts";
export type { PaneInfo, PaneTiming, Window, WindowResult } from "./types.ts";
export { resultId } from "./result_id.ts";
