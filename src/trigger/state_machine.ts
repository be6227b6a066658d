// The trigger interpreter: Beam Java's trigger state machines (runners/core-java, triggers/*StateMachine)
// over plain, serializable state. The window engine calls onElement for each element a window takes,
// shouldFire/onFire when it evaluates the window, and mergeStates when session windows merge.
import type { TriggerSpec } from "./trigger.ts";

/** Per-window trigger state: plain data so checkpoints can store it. */
export interface TriggerState {
  /** The trigger has finished (Beam's finished bit): it never fires again. */
  finished: boolean;
  /** afterCount: elements seen since the trigger was last reset. */
  count?: number;
  /** afterProcessingTime: processing time at which it becomes ready. */
  deadline?: number;
  /** afterWatermark: "early" until the on-time firing, then "late". */
  phase?: "early" | "late";
  /** afterEach: index of the current sub-trigger. */
  current?: number;
  /** afterWatermarkProgress: the event time at which it next becomes ready. */
  next?: number;
  /** Sub-trigger states, in the order of `subTriggers(spec)`. */
  subs?: TriggerState[];
}

/** What a trigger sees of its window and of time; `timer` collects the event-time timer it asks for. */
export interface TriggerContext {
  /** Input watermark. */
  wm: number;
  /** Processing time. */
  pt: number;
  /** Window end (exclusive). */
  end: number;
  /** Event time of the element (onElement only). */
  ts: number;
  /** Whether windows can merge (sessions): composite triggers then run every sub-trigger in parallel. */
  merging: boolean;
  /** Output: the earliest event time at which the trigger asked to be woken (Infinity if none). */
  timer: number;
}

/** The sub-triggers of `spec` (afterWatermark: early, then late). */
export function subTriggers(spec: TriggerSpec): readonly TriggerSpec[] {
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

/** True when some part of the trigger waits for processing time. */
export function usesProcessingTime(spec: TriggerSpec): boolean {
  return spec.kind === "processing-time" || subTriggers(spec).some(usesProcessingTime);
}

export function initState(spec: TriggerSpec): TriggerState {
  const st: TriggerState = { finished: false };
  switch (spec.kind) {
    case "count":
      st.count = 0;
      break;
    case "watermark":
      st.phase = "early";
      break;
    case "each":
      st.current = 0;
      break;
  }
  const s = subTriggers(spec);
  if (s.length > 0) st.subs = s.map(initState);
  return st;
}

/** Beam's `clear`: forgets what the trigger counted or waited for, keeping its finished bit. */
function cleared(spec: TriggerSpec, st: TriggerState): TriggerState {
  // ExecutableTriggerStateMachine.invokeClear clears the state of the whole sub-tree but not its
  // finished bits (FinishedTriggersBitSet), which AfterEach's position and AfterWatermark's phase are
  // derived from: those survive at every level.
  const fresh = initState(spec);
  fresh.finished = st.finished;
  if (spec.kind === "each") fresh.current = st.current;
  if (spec.kind === "watermark") fresh.phase = st.phase;
  const subs = subTriggers(spec);
  for (let i = 0; i < subs.length; i++) fresh.subs![i] = cleared(subs[i]!, st.subs![i]!);
  return fresh;
}

function earlyIndex(spec: Extract<TriggerSpec, { kind: "watermark" }>): number {
  return spec.early ? 0 : -1;
}
function lateIndex(spec: Extract<TriggerSpec, { kind: "watermark" }>): number {
  return spec.late ? (spec.early ? 1 : 0) : -1;
}

/** Beam's `endOfWindowReached`: the input watermark is past the window's max timestamp. */
function endOfWindowReached(ctx: TriggerContext): boolean {
  return ctx.wm >= ctx.end;
}

function askTimer(ctx: TriggerContext, time: number): void {
  if (time < ctx.timer) ctx.timer = time;
}

// ExecutableTriggerStateMachine.invokeOnElement delegates without looking at the finished bit: each
// composite decides which sub-triggers see an element (afterAll and a non-merging afterEach only the
// unfinished ones).
export function onElement(spec: TriggerSpec, st: TriggerState, ctx: TriggerContext): void {
  switch (spec.kind) {
    case "default":
      // DefaultTriggerStateMachine.onElement: wake up at the end of the window unless already there.
      if (!endOfWindowReached(ctx)) askTimer(ctx, ctx.end);
      return;
    case "never":
      return;
    case "count":
      st.count!++;
      return;
    case "processing-time":
      if (st.deadline === undefined) st.deadline = ctx.pt + spec.delay;
      return;
    case "watermark-progress":
      // Like Flink's ContinuousEventTimeTrigger, the first element schedules the next multiple of
      // interval after its event time; after the watermark, so that late data waits for the next step.
      if (st.next === undefined) {
        const from = ctx.ts > ctx.wm ? ctx.ts : ctx.wm;
        st.next = Math.floor(from / spec.interval) * spec.interval + spec.interval;
      }
      askTimer(ctx, st.next);
      return;
    case "repeatedly":
      onElement(spec.trigger, st.subs![0]!, ctx);
      return;
    case "any":
    case "or-finally": {
      const ss = subTriggers(spec);
      for (let i = 0; i < ss.length; i++) onElement(ss[i]!, st.subs![i]!, ctx);
      return;
    }
    case "all":
      spec.triggers.forEach((t, i) => {
        if (!st.subs![i]!.finished) onElement(t, st.subs![i]!, ctx);
      });
      return;
    case "each":
      // AfterEachStateMachine.onElement: only the current sub-trigger, unless windows can merge
      // (then all run in parallel, because a merge may revive a finished one).
      if (!ctx.merging) onElement(spec.triggers[st.current!]!, st.subs![st.current!]!, ctx);
      else spec.triggers.forEach((t, i) => onElement(t, st.subs![i]!, ctx));
      return;
    case "watermark": {
      // AfterWatermarkStateMachine: the end-of-window timer, then the sub-trigger of the current phase
      // (all of them when windows can merge).
      if (!endOfWindowReached(ctx)) askTimer(ctx, ctx.end);
      const e = earlyIndex(spec), l = lateIndex(spec);
      if (ctx.merging) {
        if (e >= 0) onElement(spec.early!, st.subs![e]!, ctx);
        if (l >= 0) onElement(spec.late!, st.subs![l]!, ctx);
      } else {
        const i = st.phase === "early" ? e : l;
        if (i >= 0) onElement(st.phase === "early" ? spec.early! : spec.late!, st.subs![i]!, ctx);
      }
      return;
    }
  }
}

export function shouldFire(spec: TriggerSpec, st: TriggerState, ctx: TriggerContext): boolean {
  if (st.finished) return false;
  switch (spec.kind) {
    case "default":
      return endOfWindowReached(ctx);
    case "never":
      return false;
    case "count":
      return st.count! >= spec.n;
    case "processing-time":
      // AfterDelayFromFirstElementStateMachine.shouldFire: strictly after the deadline
      return st.deadline !== undefined && ctx.pt > st.deadline;
    case "watermark-progress":
      return st.next !== undefined && ctx.wm >= st.next;
    case "repeatedly":
      return shouldFire(spec.trigger, st.subs![0]!, ctx);
    case "any":
      return spec.triggers.some((t, i) => shouldFire(t, st.subs![i]!, ctx));
    case "all":
      return spec.triggers.every((t, i) => st.subs![i]!.finished || shouldFire(t, st.subs![i]!, ctx));
    case "each":
      return shouldFire(spec.triggers[st.current!]!, st.subs![st.current!]!, ctx);
    case "or-finally":
      return shouldFire(spec.trigger, st.subs![0]!, ctx) || shouldFire(spec.until, st.subs![1]!, ctx);
    case "watermark":
      if (st.phase === "early") {
        return endOfWindowReached(ctx) || (spec.early !== undefined && shouldFire(spec.early, st.subs![0]!, ctx));
      }
      return spec.late !== undefined && shouldFire(spec.late, st.subs![lateIndex(spec)]!, ctx);
  }
}

/** Records that the trigger fired; may finish it. Call only after `shouldFire` returned true. */
export function onFire(spec: TriggerSpec, st: TriggerState, ctx: TriggerContext): void {
  switch (spec.kind) {
    case "default":
    case "never":
      return;
    case "count":
      // AfterPaneStateMachine.onFire: clear, then finished
      st.count = 0;
      st.finished = true;
      return;
    case "processing-time":
      st.deadline = undefined;
      st.finished = true;
      return;
    case "watermark-progress": {
      // Repeats: the next multiple of interval beyond the watermark.
      const iv = spec.interval;
      st.next = Math.floor(ctx.wm / iv) * iv + iv;
      askTimer(ctx, st.next);
      return;
    }
    case "repeatedly": {
      const sub = st.subs![0]!;
      onFire(spec.trigger, sub, ctx);
      // RepeatedlyStateMachine.onFire: a finished repeated trigger is reset.
      if (sub.finished) st.subs![0] = initState(spec.trigger);
      return;
    }
    case "any":
      spec.triggers.forEach((t, i) => {
        if (shouldFire(t, st.subs![i]!, ctx)) onFire(t, st.subs![i]!, ctx);
      });
      st.finished = true;
      return;
    case "all":
      spec.triggers.forEach((t, i) => {
        if (!st.subs![i]!.finished) onFire(t, st.subs![i]!, ctx);
      });
      st.finished = true;
      return;
    case "each": {
      const i = st.current!;
      onFire(spec.triggers[i]!, st.subs![i]!, ctx);
      // AfterEachStateMachine.onFire: in a merging context every sub-trigger starts afresh.
      if (ctx.merging) spec.triggers.forEach((t, j) => (st.subs![j] = cleared(t, st.subs![j]!)));
      if (st.subs![i]!.finished) {
        if (i + 1 >= spec.triggers.length) st.finished = true;
        else st.current = i + 1;
      }
      return;
    }
    case "or-finally":
      // OrFinallyStateMachine.onFire: when `until` is ready it fires (recording that it finished) and
      // the actual trigger is cleared; `until` is a once-trigger, so the whole trigger finishes.
      if (shouldFire(spec.until, st.subs![1]!, ctx)) {
        onFire(spec.until, st.subs![1]!, ctx);
        st.subs![0] = cleared(spec.trigger, st.subs![0]!);
        st.finished = true;
        return;
      }
      onFire(spec.trigger, st.subs![0]!, ctx);
      if (st.subs![0]!.finished) st.finished = true;
      return;
    case "watermark": {
      const e = earlyIndex(spec), l = lateIndex(spec);
      if (st.phase === "early") {
        if (!endOfWindowReached(ctx)) {
          // An early firing: the early trigger fires, then starts over (it repeats implicitly).
          onFire(spec.early!, st.subs![e]!, ctx);
          st.subs![e] = initState(spec.early!);
        } else {
          // The on-time firing ends the early phase; the late trigger, which may have run in
          // parallel, starts from nothing.
          st.phase = "late";
          if (e >= 0) st.subs![e] = { ...initState(spec.early!), finished: true };
          if (l >= 0) st.subs![l] = initState(spec.late!);
          else st.finished = true;
        }
      } else if (l >= 0) {
        // A late firing: the late trigger fires, then starts over.
        onFire(spec.late!, st.subs![l]!, ctx);
        st.subs![l] = initState(spec.late!);
      }
      return;
    }
  }
}

/**
 * The state of a window that results from merging `states` (session windows), following each
 * state machine's `onMerge`: a once-trigger finished in any merging window is finished; counts add
 * up; the earliest processing-time deadline wins; an afterWatermark trigger returns to its early phase
 * unless every merging window was past its on-time pane and the watermark is past the merged
 * window's end (AfterWatermarkStateMachine.AfterWatermarkEarlyAndLate.onMerge).
 */
export function mergeStates(spec: TriggerSpec, states: TriggerState[], ctx: TriggerContext): TriggerState {
  const merged = initState(spec);
  if (states.length === 0) return merged;
  switch (spec.kind) {
    case "count":
      // AfterPaneStateMachine.onMerge: finished in any merging window means finished; else counts add up.
      if (states.some((s) => s.finished)) merged.finished = true;
      else merged.count = states.reduce((a, s) => a + (s.count ?? 0), 0);
      return merged;
    case "processing-time":
    case "watermark-progress":
      // AfterDelayFromFirstElementStateMachine.onMerge: the earliest deadline of the merging windows
      // (the merged window is new, so not finished).
      if (spec.kind === "processing-time") {
        const ds = states.map((s) => s.deadline).filter((d): d is number => d !== undefined);
        if (ds.length > 0) merged.deadline = Math.min(...ds);
      } else {
        const ns = states.map((s) => s.next).filter((d): d is number => d !== undefined);
        if (ns.length > 0) merged.next = Math.min(...ns);
      }
      return merged;
    case "default":
    case "never":
      return merged;
    case "repeatedly":
      merged.subs = [mergeStates(spec.trigger, states.map((s) => s.subs![0]!), ctx)];
      if (merged.subs[0]!.finished) merged.subs[0] = initState(spec.trigger);
      return merged;
    case "any":
    case "all":
    case "or-finally": {
      // AfterFirst/AfterAll/OrFinally.onMerge: the sub-triggers merge, then the composite is finished
      // when any (afterAny, orFinally) or every (afterAll) sub-trigger is.
      const subs = subTriggers(spec).map((t, i) => mergeStates(t, states.map((s) => s.subs![i]!), ctx));
      merged.subs = subs;
      merged.finished = spec.kind === "all" ? subs.every((s) => s.finished) : subs.some((s) => s.finished);
      return merged;
    }
    case "each": {
      // AfterEachStateMachine.onMerge: sub-triggers merge in order while every earlier one is finished;
      // those after the first unfinished one start afresh.
      const subs: TriggerState[] = [];
      let earlierFinished = true;
      spec.triggers.forEach((t, j) => {
        subs.push(earlierFinished ? mergeStates(t, states.map((s) => s.subs![j]!), ctx) : initState(t));
        if (!subs[j]!.finished) earlierFinished = false;
      });
      merged.subs = subs;
      const first = subs.findIndex((s) => !s.finished);
      if (first < 0) {
        merged.finished = true;
        merged.current = spec.triggers.length - 1;
      } else merged.current = first;
      return merged;
    }
    case "watermark": {
      const e = earlyIndex(spec), l = lateIndex(spec);
      const allLate = states.every((s) => s.phase === "late");
      if (allLate && endOfWindowReached(ctx)) {
        merged.phase = "late";
        if (e >= 0) merged.subs![e] = { ...initState(spec.early!), finished: true };
        if (l < 0) merged.finished = true;
        else merged.subs![l] = mergeStates(spec.late!, states.map((s) => s.subs![l]!), ctx);
      } else if (e >= 0) {
        merged.subs![e] = { ...mergeStates(spec.early!, states.map((s) => s.subs![e]!), ctx), finished: false };
      }
      return merged;
    }
  }
}

/**
 * When to look again for a processing-time firing, or Infinity: a trigger fires strictly after its
 * deadline, so on a millisecond clock at deadline + 1.
 */
export function nextDeadline(spec: TriggerSpec, st: TriggerState): number {
  if (st.finished) return Infinity;
  if (spec.kind === "processing-time") return st.deadline === undefined ? Infinity : st.deadline + 1;
  if (!st.subs) return Infinity;
  const ss = subTriggers(spec);
  let min = Infinity;
  for (let i = 0; i < ss.length; i++) {
    if (spec.kind === "each" && i !== st.current) continue;
    const d = nextDeadline(ss[i]!, st.subs[i]!);
    if (d < min) min = d;
  }
  return min;
}
