// Why an event time is refused, if it is: missing, not a finite number, or outside the window of
// accepted times (one absurd event, `ts: 1e300`, would otherwise push the watermark to the end of
// time, checkpointed, and make every later event late).

/** The window of accepted event times: `[min, max]`, epoch ms. */
export interface TimeWindow {
  readonly min: number;
  readonly max: number;
  readonly maxFutureSkew: number;
}

function show(t: number): string {
  const iso = Math.abs(t) <= 8.64e15 ? ` (${new Date(t).toISOString()})` : "";
  return `${String(t)}${iso}`;
}

export function eventTimeProblem(t: unknown, window: TimeWindow): string | undefined {
  if (t instanceof Date) t = t.getTime();
  if (typeof t === "number" && Number.isFinite(t)) {
    if (t > window.max) {
      return `event time ${show(t)} is more than ${window.maxFutureSkew} ms ahead of the server's clock (${
        new Date(window.max - window.maxFutureSkew).toISOString()
      })`;
    }
    if (t < window.min) {
      return `event time ${show(t)} is before the earliest accepted, ${new Date(window.min).toISOString()}`;
    }
    return undefined;
  }
  if (t === undefined || t === null) return "event time is missing";
  return `event time is not a finite number: ${
    typeof t === "number" ? String(t) : `${typeof t} ${JSON.stringify(t)?.slice(0, 40)}`
  }`;
}
