// One blank object of each class a window engine's per-element path reads, kept alive between jobs.
//
// V8 (Node, Deno, Chromium, workerd) compiles a hot method against the hidden classes ("maps") of the
// objects it reads and the functions it inlines, and holds both weakly: a full garbage collection that
// finds no object of a class alive (or an inlined function dead) throws away every optimized function
// compiled against it ("weak objects" in node --trace-deopt). An engine, its slices and its results
// all die with their job, so after such a collection the next job started over in the interpreter and
// paid for TurboFan's compiles again (about 100 ms of CPU for the sliced engine's loop and firing).
// A forced gc() between jobs is what bench/windows.ts does; a process running a short job per request
// sees the same whenever a full collection falls between two jobs.
//
// V8 does not drop a hidden class at the first collection that finds none of its objects: it keeps it
// for two more (--retain-maps-for-n-gc), so a class kept by nothing failed every third collection,
// the literals' classes included (a literal's class is no more kept by its literal than a class
// instance's by its class).
//
// What keeps the code: these blank objects (the engine, its slice, running-accumulator and per-window
// classes, a column kernel of the job's shape whose selectors are weir's own (blankColumnKernel),
// a result, a window and a pane), made anew with each engine; the engine's config, made by the same
// literal as the job's (window_config.ts configOf: a spread copy had a hidden class of its own); a
// blank event-time step and its time assignment (event_time_operator.ts); a blank map/filter step
// operator whose steps are made by the same literal as the job's (stateless_operator.ts newStep); a
// blank sink, output and batch of the job (pipeline/job.ts); the column kernels' methods and the
// job's outputs, which are functions of their modules rather than closures made per job
// (column_kernel.ts, pipeline/job.ts); one template per list of result names (compose.ts); and
// fields that hold a double from the start (an engine's `#now`): a field that starts as a small
// integer and later holds a double moves its objects to a new hidden class, which the blank object
// made at construction would not have. test/node/kept_code.test.ts runs jobs with a gc() before
// each and fails on any weir function V8 throws away for "weak objects". Measured on
// bench/windows.ts (a gc() before each run, 1M events), weir's CPU time against the plain loop's:
// at 10,000 keys W1 0.52–0.74 → 1.00–1.01, W2 0.68–0.86 → 1.80–1.81, W3 0.40–0.50 → 1.09–1.16
// (eighth session); W1 at 1,000 keys 0.46 → 1.11 once the classes V8 retains for two collections
// only were kept too (bench/README.md, ninth session).
//
// The blank objects hold no element, key, accumulator or user function of any job (blankConfig), only
// the engine's own empty state and its assigner and options: test/node/released_after_job.test.ts.
// A user function made anew for each job (an arrow function written inside the function that starts
// the job) is still inlined and still dies with its job: that code is recompiled, the rest is kept.
// So are the built-in combiners' own functions (closures made per count(), sum(), ...), which only
// the paths without a column kernel call (the general engine; sliding windows of a combiner that
// cannot retract).

/** The function a blank object holds where a job's object holds a user function (it is never called). */
export function blankFunction(v: unknown): unknown {
  return v;
}

const kept = new Map<object, readonly object[]>();
let making = false;

/**
 * Keeps what `make` returns alive (replacing what it returned for `owner` before). `make` may
 * construct the class that calls this (an engine making its own blank instance): the nested call
 * does nothing.
 */
export function keepShapes(owner: object, make: () => readonly object[]): void {
  if (making) return;
  making = true;
  try {
    kept.set(owner, make());
  } finally {
    making = false;
  }
}
