// Running a checkpoint's encoding between input steps: in slices of a few milliseconds, each followed
// by a turn of the event loop (a timer, so that I/O callbacks and the job's own input run first), so
// that the job stalls for at most a slice at a time while a large state is encoded. Where the clock
// does not advance while code runs (Cloudflare Workers), a slice runs to the end.

/** Milliseconds of work per slice: well under the pause a checkpoint may cost. */
export const SLICE_MS = 2;

/** Whether the rest is wanted now: then it runs without turns of the event loop in between. */
export interface Urgency {
  now: boolean;
}

const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Runs `steps` to the end in slices of `sliceMs`, the first after a turn; returns what it returns. */
export async function runInSlices<T>(
  steps: Generator<void, T, void>,
  urgency: Urgency,
  sliceMs = SLICE_MS,
): Promise<T> {
  for (;;) {
    if (!urgency.now) await turn();
    const until = performance.now() + sliceMs;
    let r = steps.next();
    while (!r.done && (urgency.now || performance.now() < until)) r = steps.next();
    if (r.done) return r.value;
  }
}
