import type { CheckpointOptions } from "../checkpoint/mod.ts";
import type { LateInfo } from "../window/mod.ts";
import type { Source } from "../pipeline/source.ts";
import { type Stream, stream } from "../pipeline/stream.ts";
import type { WindowResult } from "../window/types.ts";
import { observedSource } from "./_observed_source.ts";
import { ResultFeed } from "./result_feed.ts";
import type { ServedJob } from "./served_job.ts";

/** What a {@linkcode LiveJob} hands to its pipeline besides the events. */
export interface LiveJobContext<T> {
  /**
   * Pass as the window's `onLate` option: counts events that arrive beyond the allowed lateness (the
   * `weir_late_events_total` metric and the demo's late counter), then calls the job's own `onLate`.
   */
  readonly onLate: (element: T, info: LateInfo) => void;
}

/** Options of {@linkcode LiveJob}. */
export interface LiveJobOptions<T, R extends WindowResult> {
  /** Stable job id: result ids start with it, and so do checkpoint keys. */
  id: string;
  /** Where events come from: usually an `IngestLog`; any weir Source works. */
  source: Source<T>;
  /** The event time of an event (ms or Date); the HTTP layer refuses events where it is missing or invalid. */
  eventTime: (event: T) => number | Date;
  /** Bound on disorder (ms): the watermark trails the largest event time seen by this much. */
  maxOutOfOrderness: number;
  /** After this long (ms) without input, the watermark advances with the clock (see `withEventTime`). */
  idleTimeout?: number;
  /** Builds the windowed pipeline from the timestamped events. */
  pipeline: (events: Stream<T>, context: LiveJobContext<T>) => Stream<R>;
  /**
   * Checkpoint the job (under its `id`): on start it restores the newest checkpoint and the source
   * replays from there; a checkpoint is taken `every` ms and/or events, and a last one when the job is
   * stopped; each durable checkpoint lets an `IngestLog` source truncate what it covers.
   */
  checkpoint?: Omit<CheckpointOptions, "id">;
  /** How many recent results the feed keeps for reconnecting clients (default 10 000). */
  replay?: number;
  /** Called for each late event after it was counted. */
  onLate?: (element: T, info: LateInfo) => void;
}

/** A point-in-time view of a running job, for `/health` and `/metrics`. */
export interface LiveJobStats {
  readonly state: "idle" | "running" | "stopped" | "failed";
  readonly error?: string;
  /** Events read from the source since start (a restart replays from the last checkpoint). */
  readonly eventsIn: number;
  /** Largest event time read since start, or -Infinity. */
  readonly maxEventTime: number;
  /** `maxEventTime - maxOutOfOrderness` (the job's watermark, without idle advance), or -Infinity. */
  readonly watermark: number;
  readonly lateEvents: number;
  /** Events dropped because their event time was missing or invalid (the HTTP layer already refuses them). */
  readonly invalidEvents: number;
  /** Results published, by pane timing. */
  readonly panes: { readonly early: number; readonly "on-time": number; readonly late: number };
  /** Windows that fired a non-final pane and whose end the watermark has not passed yet. */
  readonly openWindows: number;
  /** When the last durable checkpoint was acknowledged to the source (epoch ms). */
  readonly lastCheckpointAt: number | undefined;
}

/**
 * Runs a windowed pipeline continuously over a live source and publishes its results to a
 * {@linkcode ResultFeed} (served as Server-Sent Events by `createWeirApp`), while keeping the
 * statistics that `/metrics` reports.
 *
 * The pipeline receives the events with event time already assigned (`eventTime`,
 * `maxOutOfOrderness`), and a context whose `onLate` it should pass to its window. The source's end
 * ends the job; `stop()` ends it at once (the source is asked to stop, so a live log does not fire its
 * open windows) after a last checkpoint, and the next start resumes from it.
 *
 * Delivery to the feed is at-least-once: each result is published before the job reads on, so a
 * checkpoint never covers a result the feed has not seen, and after a crash the results since the last
 * checkpoint are published again with the same `resultId`s (consumers de-duplicate by id; the feed
 * itself drops ids it still holds). The window state and the log are exactly-once: every event
 * acknowledged by the log is counted once in the windows, whatever crashes.
 *
 * @example
 * ```ts
 * import { MemoryStateStore, count, tumbling } from "weirjs";
 * import { IngestLog, LiveJob } from "weirjs/live";
 *
 * const log = await IngestLog.open(new MemoryStateStore());
 * const job = new LiveJob({
 *   id: "views",
 *   source: log,
 *   eventTime: (e: { ts: number }) => e.ts,
 *   maxOutOfOrderness: 1_000,
 *   pipeline: (events, { onLate }) => events.window(tumbling(10_000), { onLate }).aggregate(count()),
 * });
 * job.start();
 * await log.append([{ ts: 1_000 }, { ts: 20_000 }]);
 * await job.stop();
 * ```
 */
export class LiveJob<T = unknown, R extends WindowResult = WindowResult> implements ServedJob<T> {
  readonly id: string;
  readonly feed: ResultFeed;
  readonly eventTime: (event: T) => number | Date;
  readonly #options: LiveJobOptions<T, R>;
  readonly #stop = new AbortController();
  #state: LiveJobStats["state"] = "idle";
  #error: unknown;
  #run: Promise<void> | null = null;
  #eventsIn = 0;
  #maxTs = -Infinity;
  #late = 0;
  #invalid = 0;
  #panes = { early: 0, "on-time": 0, late: 0 };
  /** Windows with a non-final pane, by result id prefix (job/key/start/end), with their end. */
  readonly #open = new Map<string, number>();
  #lastCheckpointAt: number | undefined;

  constructor(options: LiveJobOptions<T, R>) {
    if (typeof options?.id !== "string" || options.id === "") {
      throw new TypeError(
        `Cannot create LiveJob as id must be a non-empty string: current value is ${JSON.stringify(options?.id)}`,
      );
    }
    if (typeof options.source?.open !== "function") {
      throw new TypeError(`Cannot create LiveJob "${options.id}" as source is not a weir Source`);
    }
    for (const k of ["eventTime", "pipeline"] as const) {
      if (typeof options[k] !== "function") {
        throw new TypeError(
          `Cannot create LiveJob "${options.id}" as ${k} must be a function: current value is ${String(options[k])}`,
        );
      }
    }
    this.id = options.id;
    this.eventTime = options.eventTime;
    this.#options = options;
    this.feed = new ResultFeed({
      job: options.id,
      ...(options.replay === undefined ? {} : { capacity: options.replay }),
    });
  }

  get state(): LiveJobStats["state"] {
    return this.#state;
  }

  /** Resolves when the job ends (after `stop()`, or at the end of a bounded source); rejects if it fails. */
  get done(): Promise<void> {
    return this.#run ?? Promise.resolve();
  }

  /** Starts the job in the background (once). */
  start(): void {
    if (this.#run !== null) return;
    this.#state = "running";
    this.#run = this.#loop();
    // The failure is kept in `state`/`done`; an unobserved `done` must not crash the process.
    this.#run.catch(() => {});
  }

  /** Stops the job and waits for it to end; the result feed is closed, ending SSE streams. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#run?.catch(() => {});
    this.feed.close();
  }

  stats(): LiveJobStats {
    const bound = this.#options.maxOutOfOrderness;
    const watermark = this.#maxTs - bound;
    for (const [id, end] of this.#open) if (end <= watermark) this.#open.delete(id);
    return {
      state: this.#state,
      ...(this.#error === undefined ? {} : { error: String((this.#error as Error)?.message ?? this.#error) }),
      eventsIn: this.#eventsIn,
      maxEventTime: this.#maxTs,
      watermark,
      lateEvents: this.#late,
      invalidEvents: this.#invalid,
      panes: { ...this.#panes },
      openWindows: this.#open.size,
      lastCheckpointAt: this.#lastCheckpointAt,
    };
  }

  async #loop(): Promise<void> {
    const o = this.#options;
    const source = observedSource(o.source, this.#stop.signal, {
      elements: (values) => {
        this.#eventsIn += values.length;
        for (const v of values) {
          let t: unknown;
          try {
            t = o.eventTime(v as T);
          } catch {
            continue;
          }
          const ms = t instanceof Date ? t.getTime() : t;
          if (typeof ms === "number" && ms > this.#maxTs) this.#maxTs = ms;
        }
      },
      committed: () => {
        this.#lastCheckpointAt = Date.now();
      },
    });
    const events = stream(source).withEventTime(o.eventTime, {
      maxOutOfOrderness: o.maxOutOfOrderness,
      ...(o.idleTimeout === undefined ? {} : { idleTimeout: o.idleTimeout }),
      onInvalid: () => void this.#invalid++,
    });
    const context: LiveJobContext<T> = {
      onLate: (element, info) => {
        this.#late++;
        o.onLate?.(element, info);
      },
    };
    try {
      let results = o.pipeline(events, context);
      if (o.checkpoint !== undefined) {
        const user = o.checkpoint.onCheckpoint;
        results = results.checkpoint({
          ...o.checkpoint,
          id: o.id,
          onCheckpoint: (info) => {
            this.#lastCheckpointAt = Date.now();
            user?.(info);
          },
        });
      }
      // Results are published before the next one is read, so a checkpoint never covers a result the
      // feed has not seen: after a crash, results since the last checkpoint come again with the same ids.
      for await (const r of results) this.#publish(r);
      this.#state = "stopped";
    } catch (error) {
      this.#state = "failed";
      this.#error = error;
      throw error;
    }
  }

  #publish(r: R): void {
    this.#panes[r.pane.timing]++;
    const win = `${JSON.stringify(r.key)}/${r.window.start}/${r.window.end}`;
    if (r.pane.isFinal) this.#open.delete(win);
    else if (r.pane.timing === "early") this.#open.set(win, r.window.end);
    this.feed.publish([r]);
  }
}
