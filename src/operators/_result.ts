// Window results as plain objects, built by a constructor rather than written as object literals.
//
// V8 tracks the objects of each object literal by allocation site, and when a scavenge finds nearly
// all of a site's objects alive it allocates every later one directly in the old generation
// ("allocation-site pretenuring"). A window step that fires a window for thousands of keys holds its
// results until the step ends, so a scavenge in the middle of a firing finds them all alive and the
// literal is pretenured; from then on every result of every window is an old-generation object that
// only a mark-compact reclaims. Measured on W1 (tumbling, {count, sum}) at 10,000 keys: 624 ms per 1M
// events, 275 ms with the node flag --no-allocation-site-pretenuring. Objects made with `new` are not
// tracked by allocation site, so they die young as short-lived objects should.
//
// The constructor's prototype is Object.prototype, so a result is indistinguishable from a literal:
// same prototype, the same own properties in the same order (deepStrictEqual, assertEquals,
// structuredClone and JSON all see a plain object).
import type { PaneInfo, Window, WindowResult } from "../window/types.ts";

/** `new ResultObject(key, window, value, timestamp, pane)`: a plain-object WindowResult. */
export const ResultObject = function (
  this: { key: unknown; window: Window; value: unknown; timestamp: number; pane: PaneInfo },
  key: unknown,
  window: Window,
  value: unknown,
  timestamp: number,
  pane: PaneInfo,
) {
  this.key = key;
  this.window = window;
  this.value = value;
  this.timestamp = timestamp;
  this.pane = pane;
} as unknown as new (key: unknown, window: Window, value: unknown, timestamp: number, pane: PaneInfo) => WindowResult;
ResultObject.prototype = Object.prototype;

/** `new WindowObject(start, end)`: a plain-object Window (one per result of the session and general engines). */
export const WindowObject = function (this: { start: number; end: number }, start: number, end: number) {
  this.start = start;
  this.end = end;
} as unknown as new (start: number, end: number) => Window;
WindowObject.prototype = Object.prototype;

/** `new PaneObject(...)`: a plain-object PaneInfo (one per result of the general engine). */
export const PaneObject = function (
  this: { index: number; nonSpeculativeIndex: number; timing: PaneInfo["timing"]; isFirst: boolean; isFinal: boolean },
  index: number,
  nonSpeculativeIndex: number,
  timing: PaneInfo["timing"],
  isFirst: boolean,
  isFinal: boolean,
) {
  this.index = index;
  this.nonSpeculativeIndex = nonSpeculativeIndex;
  this.timing = timing;
  this.isFirst = isFirst;
  this.isFinal = isFinal;
} as unknown as new (
  index: number,
  nonSpeculativeIndex: number,
  timing: PaneInfo["timing"],
  isFirst: boolean,
  isFinal: boolean,
) => PaneInfo;
PaneObject.prototype = Object.prototype;

/**
 * A blank result, window and pane (see shapes.ts): null and NaN where a result holds a key, a value
 * and times, so that the fields already have the representation real results widen them to.
 */
export function blankResults(): object[] {
  const pane = new PaneObject(0, 0, "on-time", true, true);
  return [new ResultObject(null, new WindowObject(NaN, NaN), null, NaN, pane), pane];
}

/**
 * Results a window step hands on at a time while it fires, instead of holding every result of a step
 * until it ends: a firing of a million keys would otherwise keep every result alive across the
 * scavenges it takes to build them (each copying them all) and get them promoted.
 */
export const RESULT_CHUNK = 4096;

/** An error a later step threw while a firing handed it results: the window step passes it on unwrapped. */
export class Downstream {
  constructor(readonly error: unknown) {}
}
