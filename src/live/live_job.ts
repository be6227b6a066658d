import type { CheckpointOptions } from "../checkpoint/mod.ts";
import { checkOptionNames } from "../option_names.ts";
import type { LateInfo } from "../window/mod.ts";
import type { JobStats } from "../pipeline/job.ts";
import type { Source } from "../pipeline/source.ts";
import { startJob, type Stream, stream } from "../pipeline/stream.ts";
import { type Clock, systemClock } from "../time/clock.ts";
import type { WindowResult } from "../window/types.ts";
import { FeedJournal } from "./_feed_journal.ts";
import { stoppableSource } from "./_stoppable_source.ts";
import { type FeedItem, ResultFeed, type ResultFeedOptions } from "./result_feed.ts";
import type { ServedJob } from "./served_job.ts";
import type { IngestLog } from "./ingest_log.ts";

/** What a {@linkcode LiveJob} hands to its pipeline besides the events. */
export interface LiveJobContext<T> {
  /**
   * Pass as the window's `onLate` option: hands events that arrive beyond the allowed lateness to the
   * job's own `onLate` (the job counts them either way: `weir_late_events_total`, the demo's counter).
   */
  readonly onLate: (element: T, info: LateInfo) => void;
}

/** Options of {@linkcode LiveJob}. */
export interface LiveJobOptions<T, R extends WindowResult> {
  /** Stable job id: result ids start with it, and so do checkpoint keys. */
  id: string;
  /**
   * Where events come from: usually an `IngestLog`; any weir Source works. An untyped log
   * (`IngestLog.open(store)`, whose events the HTTP layer validated) is accepted as it is: the event
   * type comes from `eventTime` and `pipeline`.
   */
  source: Source<T> | IngestLog<unknown>;
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
  /**
   * What the result feed keeps for clients that reconnect with `Last-Event-ID`: the newest `capacity`
   * results (default 10 000), none published more than `maxAge` ms ago (default no limit), by `clock`
   * (default the wall clock). A number is the capacity. With `checkpoint`, this window is stored in the
   * checkpoint store and survives restarts; a client gets `event: gap` only when it fell behind it.
   */
  replay?: number | Pick<ResultFeedOptions, "capacity" | "maxAge" | "clock">;
  /** Called for each late event after it was counted. */
  onLate?: (element: T, info: LateInfo) => void;
}

/** A point-in-time view of a running job, for `/health` and `/metrics`. */
export interface LiveJobStats {
  /** Whether the job has not started, runs, was stopped or failed. */
  readonly state: "idle" | "running" | "stopped" | "failed";
  /** Why the job failed, when it did. */
  readonly error?: string;
  /** Events read from the source since start (a restart replays from the last checkpoint). */
  readonly eventsIn: number;
  /** Largest event time seen (restored with checkpoints), or -Infinity. */
  readonly maxEventTime: number;
  /** The job's event-time watermark (idle advance included), or -Infinity. */
  readonly watermark: number;
  /** Events dropped as late by the window (counted with checkpoints: a restart keeps the count). */
  readonly lateEvents: number;
  /** Events dropped because their event time was missing or invalid (the HTTP layer already refuses them). */
  readonly invalidEvents: number;
  /** Results published since start, by pane timing. */
  readonly panes: { readonly early: number; readonly "on-time": number; readonly late: number };
  /** (key, window) pairs holding state in the job's window step: `JobStats.openWindows`. */
  readonly openWindows: number;
  /** When the last checkpoint became durable (epoch ms), or undefined. */
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
 * With `checkpoint`, the feed is exactly-once across restarts and crashes: each step's new results are
 * stored in the checkpoint store (under `feed/<id>/`) before the feed shows them and before the job
 * reads on, the feed restarts from what is stored (same ids, same order), and the results computed
 * again after a crash (those since the last checkpoint) carry ids the feed holds, so it drops them. A
 * client resuming with `Last-Event-ID` after a restart gets exactly what it missed, as long as it is
 * within `replay`. Without `checkpoint` the feed lives in memory only. The window state and the log
 * are exactly-once too: every event acknowledged by the log is counted once in the windows.
 *
 * @example Counting views as they arrive
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { count, MemoryStateStore, tumbling } from "weirjs";
 * import { IngestLog, LiveJob } from "weirjs/live";
 *
 * const log = await IngestLog.open<{ ts: number }>(new MemoryStateStore());
 * const job = new LiveJob({
 *   id: "views",
 *   source: log,
 *   eventTime: (e) => e.ts,
 *   maxOutOfOrderness: 1_000,
 *   pipeline: (events, { onLate }) => events.window(tumbling(10_000), { onLate }).aggregate(count()),
 * });
 * const results = job.feed.subscribe();
 * job.start();
 * await log.append([{ ts: 1_000 }, { ts: 2_000 }, { ts: 20_000 }]); // 20 000 closes [0, 10 000)
 * await results.wait(1_000);
 * assertEquals(results.take(10).map((item) => [item.result.window.start, item.result.value]), [[0, 2]]);
 * await job.stop();
 * assertEquals(job.stats().state, "stopped");
 * ```
 */
export class LiveJob<T = unknown, R extends WindowResult = WindowResult> implements ServedJob<T> {
  /** The job id: result ids and checkpoint keys start with it. */
  readonly id: string;
  /** Where the job publishes its results. */
  readonly feed: ResultFeed;
  /** The event time of an event, as in the options. */
  readonly eventTime: (event: T) => number | Date;
  readonly #options: LiveJobOptions<T, R>;
  readonly #stop = new AbortController();
  #state: LiveJobStats["state"] = "idle";
  #error: unknown;
  #run: Promise<void> | null = null;
  /** The pipeline's run, once started: the source of every statistic but the pane counts. */
  #running: { stats(): JobStats } | null = null;
  /** Where the feed's `maxAge` reads the time. */
  readonly #clock: Clock;
  /** Hands the feed its stored results (or none) when the job starts or stops. */
  #restore!: (items: Iterable<FeedItem>) => void;
  #panes = { early: 0, "on-time": 0, late: 0 };

  /** Creates the job (see {@linkcode LiveJobOptions}); `start()` runs it. */
  constructor(options: LiveJobOptions<T, R>) {
    if (typeof options?.id !== "string" || options.id === "") {
      throw new TypeError(
        `Cannot create LiveJob as id must be a non-empty string: current value is ${JSON.stringify(options?.id)}`,
      );
    }
    checkOptionNames(`create LiveJob "${options.id}"`, options, [
      "id",
      "source",
      "eventTime",
      "maxOutOfOrderness",
      "idleTimeout",
      "pipeline",
      "checkpoint",
      "replay",
      "onLate",
    ]);
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
    const replay = typeof options.replay === "number" ? { capacity: options.replay } : options.replay ?? {};
    checkOptionNames(`create LiveJob "${options.id}" replay`, replay, ["capacity", "maxAge", "clock"]);
    this.#clock = replay.clock ?? systemClock;
    this.feed = new ResultFeed({
      job: options.id,
      ...replay,
      restore: new Promise<Iterable<FeedItem>>((resolve) => {
        this.#restore = resolve;
      }),
    });
  }

  /** Whether the job has not started, runs, was stopped or failed. */
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
    this.#restore([]);
    this.feed.close();
  }

  /** The job's statistics now. */
  stats(): LiveJobStats {
    const j = this.#running?.stats();
    return {
      state: this.#state,
      ...(this.#error === undefined ? {} : { error: String((this.#error as Error)?.message ?? this.#error) }),
      eventsIn: j?.elementsIn ?? 0,
      maxEventTime: j?.maxEventTime ?? -Infinity,
      watermark: j?.watermark ?? -Infinity,
      lateEvents: j?.lateElements ?? 0,
      invalidEvents: j?.invalidElements ?? 0,
      panes: { ...this.#panes },
      openWindows: j?.openWindows ?? 0,
      lastCheckpointAt: j?.lastCheckpointAt,
    };
  }

  async #loop(): Promise<void> {
    const o = this.#options;
    // The job's clock is the wall clock: lastCheckpointAt is then epoch ms.
    const source = stoppableSource(o.source as Source<T>, this.#stop.signal);
    const events = stream(source).withEventTime(o.eventTime, {
      maxOutOfOrderness: o.maxOutOfOrderness,
      ...(o.idleTimeout === undefined ? {} : { idleTimeout: o.idleTimeout }),
      onInvalid: () => {},
    });
    const context: LiveJobContext<T> = {
      onLate: (element, info) => o.onLate?.(element, info),
    };
    try {
      let results = o.pipeline(events, context);
      let journal: FeedJournal | null = null;
      if (o.checkpoint !== undefined) {
        results = results.checkpoint({ ...o.checkpoint, id: o.id });
        const { feed } = this;
        const opened = await FeedJournal.open(
          o.checkpoint.store,
          o.id,
          { capacity: feed.capacity, maxAge: feed.maxAge, clock: this.#clock },
          o.checkpoint.discardState === true,
        );
        journal = opened.journal;
        this.#restore(opened.items);
      } else {
        this.#restore([]);
      }
      await this.feed.ready;
      // Each step's results are stored, then published, before the job reads on (and may checkpoint):
      // a checkpoint never covers a result that is not stored, nor the feed show one that is not.
      const { job, batches } = startJob(results);
      this.#running = job;
      for await (const batch of batches) {
        for (const r of batch) this.#panes[r.pane.timing]++;
        const items = this.feed.prepare(batch);
        if (items.length === 0) continue;
        await journal?.append(items);
        this.feed.append(items);
      }
      this.#state = "stopped";
    } catch (error) {
      this.#state = "failed";
      this.#error = error;
      this.#restore([]);
      throw error;
    }
  }
}
