// The trigger interpreter: Beam's TriggerStateMachine semantics over plain, serializable state.
import type { TriggerSpec } from "./trigger.ts";

/** Per-window trigger state: plain data so checkpoints can store it. */
export interface TriggerState {
  /** finished */
  f: boolean;
  /** element count (afterCount) */
  c?: number;
  /** processing-time deadline (afterProcessingTime) */
  d?: number;
  /** afterWatermark phase: 0 = before the on-time pane, 1 = after it */
  p?: 0 | 1;
  /** afterEach: index of the current sub-trigger */
  i?: number;
  /** sub-trigger states */
  s?: TriggerState[];
}

export interface TriggerContext {
  /** input watermark */
  wm: number;
  /** processing time */
  pt: number;
  /** window end (exclusive) */
  end: number;
}

function subs(spec: TriggerSpec): readonly TriggerSpec[] {
  switch (spec.kind) {
    case "repeatedly":
      return [spec.trigger];
    case "any":
    case "all":
    case "each":
      return spec.triggers;
    case "or-finally":
      return [spec.trigger, spec.until];
    case "watermark": {
      const s: TriggerSpec[] = [];
      if (spec.early) s.push(spec.early);
      if (spec.late) s.push(spec.late);
      return s;
    }
    default:
      return [];
  }
}

/** True when the trigger never needs per-window state (the default trigger and `never()`). */
export function isStateless(spec: TriggerSpec): boolean {
  return spec.kind === "default" || spec.kind === "never";
}

export function initState(spec: TriggerSpec): TriggerState {
  const st: TriggerState = { f: false };
  switch (spec.kind) {
    case "count":
      st.c = 0;
      break;
    case "watermark":
      st.p = 0;
      break;
    case "each":
      st.i = 0;
      break;
  }
  const s = subs(spec);
  if (s.length > 0) st.s = s.map(initState);
  return st;
}

function earlyIndex(spec: Extract<TriggerSpec, { kind: "watermark" }>): number {
  return spec.early ? 0 : -1;
}
function lateIndex(spec: Extract<TriggerSpec, { kind: "watermark" }>): number {
  return spec.late ? (spec.early ? 1 : 0) : -1;
}

export function onElement(spec: TriggerSpec, st: TriggerState, ctx: TriggerContext): void {
  if (st.f) return;
  switch (spec.kind) {
    case "count":
      st.c = (st.c ?? 0) + 1;
      return;
    case "processing-time":
      if (st.d === undefined) st.d = ctx.pt + spec.delay;
      return;
    case "repeatedly":
      onElement(spec.trigger, st.s![0]!, ctx);
      return;
    case "any":
    case "all":
      spec.triggers.forEach((t, i) => onElement(t, st.s![i]!, ctx));
      return;
    case "each":
      onElement(spec.triggers[st.i!]!, st.s![st.i!]!, ctx);
      return;
    case "or-finally":
      onElement(spec.trigger, st.s![0]!, ctx);
      onElement(spec.until, st.s![1]!, ctx);
      return;
    case "watermark": {
      const i = st.p === 0 ? earlyIndex(spec) : lateIndex(spec);
      if (i >= 0) onElement(st.p === 0 ? spec.early! : spec.late!, st.s![i]!, ctx);
      return;
    }
  }
}

export function shouldFire(spec: TriggerSpec, st: TriggerState, ctx: TriggerContext): boolean {
  if (st.f) return false;
  switch (spec.kind) {
    case "default":
      return ctx.wm >= ctx.end;
    case "never":
      return false;
    case "count":
      return st.c! >= spec.n;
    case "processing-time":
      return st.d !== undefined && ctx.pt >= st.d;
    case "repeatedly":
      return shouldFire(spec.trigger, st.s![0]!, ctx);
    case "any":
      return spec.triggers.some((t, i) => shouldFire(t, st.s![i]!, ctx));
    case "all":
      return spec.triggers.every((t, i) => st.s![i]!.f || shouldFire(t, st.s![i]!, ctx));
    case "each":
      return shouldFire(spec.triggers[st.i!]!, st.s![st.i!]!, ctx);
    case "or-finally":
      return shouldFire(spec.trigger, st.s![0]!, ctx) || shouldFire(spec.until, st.s![1]!, ctx);
    case "watermark":
      if (st.p === 0) {
        return ctx.wm >= ctx.end || (spec.early !== undefined && shouldFire(spec.early, st.s![0]!, ctx));
      }
      return spec.late !== undefined && shouldFire(spec.late, st.s![lateIndex(spec)]!, ctx);
  }
}

/** Records that the trigger fired; may finish it. Call only after `shouldFire` returned true. */
export function onFire(spec: TriggerSpec, st: TriggerState, ctx: TriggerContext): void {
  switch (spec.kind) {
    case "default":
    case "never":
      return;
    case "count":
    case "processing-time":
      st.f = true;
      return;
    case "repeatedly": {
      const sub = st.s![0]!;
      onFire(spec.trigger, sub, ctx);
      if (sub.f) st.s![0] = initState(spec.trigger);
      return;
    }
    case "any":
      spec.triggers.forEach((t, i) => {
        if (shouldFire(t, st.s![i]!, ctx)) onFire(t, st.s![i]!, ctx);
      });
      st.f = true;
      return;
    case "all":
      spec.triggers.forEach((t, i) => {
        if (!st.s![i]!.f) onFire(t, st.s![i]!, ctx);
      });
      st.f = true;
      return;
    case "each": {
      const i = st.i!;
      onFire(spec.triggers[i]!, st.s![i]!, ctx);
      if (st.s![i]!.f) {
        st.i = i + 1;
        if (st.i >= spec.triggers.length) {
          st.i = i;
          st.f = true;
        }
      }
      return;
    }
    case "or-finally":
      if (shouldFire(spec.until, st.s![1]!, ctx)) {
        st.f = true;
        return;
      }
      onFire(spec.trigger, st.s![0]!, ctx);
      if (st.s![0]!.f) st.f = true;
      return;
    case "watermark":
      if (st.p === 0) {
        if (ctx.wm >= ctx.end) {
          // the on-time firing: from now on only the late trigger counts
          st.p = 1;
          if (!spec.late) st.f = true;
        } else {
          // early firings repeat: reset the early sub-trigger once it finishes
          const e = st.s![0]!;
          onFire(spec.early!, e, ctx);
          if (e.f) st.s![0] = initState(spec.early!);
        }
      } else {
        const li = lateIndex(spec);
        const l = st.s![li]!;
        onFire(spec.late!, l, ctx);
        if (l.f) st.s![li] = initState(spec.late!);
      }
      return;
  }
}

/**
 * The state of a merged window (session windows), following Beam: a once-trigger finished in any
 * merging window is finished; counts add up; the earliest processing-time deadline wins; an
 * afterWatermark trigger returns to its early phase unless every merging window was past its
 * on-time pane and the watermark is past the merged window's end.
 */
export function mergeStates(spec: TriggerSpec, states: TriggerState[], ctx: TriggerContext): TriggerState {
  const merged = initState(spec);
  if (states.length === 0) return merged;
  switch (spec.kind) {
    case "count":
    case "processing-time":
      if (states.some((s) => s.f)) {
        merged.f = true;
        return merged;
      }
      if (spec.kind === "count") merged.c = states.reduce((a, s) => a + (s.c ?? 0), 0);
      else {
        const ds = states.map((s) => s.d).filter((d): d is number => d !== undefined);
        if (ds.length > 0) merged.d = Math.min(...ds);
      }
      return merged;
    case "default":
    case "never":
      return merged;
    case "repeatedly":
      merged.s = [mergeStates(spec.trigger, states.map((s) => s.s![0]!), ctx)];
      if (merged.s[0]!.f) merged.s[0] = initState(spec.trigger);
      return merged;
    case "any":
    case "all":
    case "or-finally":
      if (states.some((s) => s.f)) {
        merged.f = true;
        return merged;
      }
      merged.s = subs(spec).map((t, i) => mergeStates(t, states.map((s) => s.s![i]!), ctx));
      return merged;
    case "each": {
      if (states.some((s) => s.f)) {
        merged.f = true;
        return merged;
      }
      const i = Math.max(...states.map((s) => s.i!));
      merged.i = i;
      merged.s = spec.triggers.map((t, j) =>
        j < i ? { ...initState(t), f: true } : mergeStates(t, states.filter((s) => s.i === j).map((s) => s.s![j]!), ctx));
      return merged;
    }
    case "watermark": {
      const allLate = states.every((s) => s.p === 1);
      if (allLate && ctx.wm >= ctx.end) {
        merged.p = 1;
        if (!spec.late) merged.f = true;
        else {
          const li = lateIndex(spec);
          merged.s![li] = mergeStates(spec.late, states.map((s) => s.s![li]!), ctx);
        }
      } else if (spec.early) {
        merged.s![0] = mergeStates(spec.early, states.filter((s) => s.p === 0).map((s) => s.s![0]!), ctx);
      }
      return merged;
    }
  }
}

/** The earliest processing-time deadline the trigger waits for, or Infinity. */
export function nextDeadline(spec: TriggerSpec, st: TriggerState): number {
  if (st.f) return Infinity;
  if (spec.kind === "processing-time") return st.d ?? Infinity;
  if (!st.s) return Infinity;
  const ss = subs(spec);
  let min = Infinity;
  for (let i = 0; i < ss.length; i++) {
    if (spec.kind === "each" && i !== st.i) continue;
    const d = nextDeadline(ss[i]!, st.s[i]!);
    if (d < min) min = d;
  }
  return min;
}
