import { resultId } from "../window/result_id.ts";
import type { WindowResult } from "../window/types.ts";

/** Options of {@linkcode ResultFeed}. */
export interface ResultFeedOptions {
  /** The job id that result ids start with (see `resultId`). */
  job: string;
  /** How many recent results are kept for reconnecting clients (default 10 000). */
  capacity?: number;
}

/** One published result with its deterministic id and its JSON text. */
export interface FeedItem {
  /** Position of the result in the feed (0, 1, ...). */
  readonly seq: number;
  /** The result's deterministic id (`resultId`), the SSE `id:`. */
  readonly id: string;
  /** The result. */
  readonly result: WindowResult;
  /** The result as JSON, the SSE `data:`. */
  readonly data: string;
}

// A subscription reads its feed's private buffer through these, set by ResultFeed's static block,
// so the buffer stays out of ResultFeed's public members.
let readFeed: (feed: ResultFeed, seq: number, max: number) => FeedItem[];
/** Resolves at the feed's next publish or close. */
let feedChanged: (feed: ResultFeed) => Promise<void>;

/** Results as JSON; Maps, Sets and bigints (some combiners' values) get a JSON form instead of failing. */
function toJson(result: WindowResult): string {
  return JSON.stringify(
    result,
    (_k, v) =>
      typeof v === "bigint" ? v.toString() : v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? [...v] : v,
  );
}

/**
 * A broadcast of window results with a bounded replay buffer: what `GET /results` serves as
 * Server-Sent Events. Each result gets its deterministic id (`resultId(job, result)`), so a client
 * that reconnects with `Last-Event-ID` is sent exactly the results published after that id, as long
 * as the id is still in the buffer. A result republished with an id already in the buffer (a job
 * re-emitting after a restart) is dropped.
 *
 * @example Publish, then read from a subscription
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { ResultFeed } from "weirjs/live";
 *
 * const feed = new ResultFeed({ job: "clicks", capacity: 1_000 });
 * feed.publish([{
 *   key: "fr", window: { start: 0, end: 10 }, value: 3, timestamp: 9,
 *   pane: { index: 0, nonSpeculativeIndex: 0, timing: "on-time", isFirst: true, isFinal: true },
 * }]);
 * const sub = feed.subscribe();
 * assertEquals(sub.take(10).map((i) => i.id), ["clicks/sfr/0/10/0"]);
 * sub.close();
 * ```
 */
export class ResultFeed {
  /** The job id that result ids start with. */
  readonly job: string;
  /** How many recent results the feed keeps for subscribers that fall behind or reconnect. */
  readonly capacity: number;
  readonly #ring: (FeedItem | undefined)[];
  readonly #ids = new Map<string, number>();
  #nextSeq = 0;
  readonly #subs = new Set<FeedSubscription>();
  #changed!: () => void;
  #changedPromise!: Promise<void>;
  #closed = false;

  /** Creates an empty feed (see {@linkcode ResultFeedOptions}). */
  constructor(options: ResultFeedOptions) {
    if (typeof options?.job !== "string" || options.job === "") {
      throw new TypeError(
        `Cannot create result feed as job must be a non-empty string: current value is ${JSON.stringify(options?.job)}`,
      );
    }
    const capacity = options.capacity ?? 10_000;
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `Cannot create result feed as capacity must be an integer >= 1: current value is ${String(capacity)}`,
      );
    }
    this.job = options.job;
    this.capacity = capacity;
    this.#ring = new Array(capacity);
    this.#renew();
  }

  /** Sequence number of the oldest result still in the buffer. */
  get oldest(): number {
    return Math.max(0, this.#nextSeq - this.capacity);
  }

  /** Sequence number the next published result gets. */
  get next(): number {
    return this.#nextSeq;
  }

  /** Open subscriptions (connected SSE clients). */
  get subscribers(): number {
    return this.#subs.size;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Publishes results in order; returns how many were new. */
  publish(results: Iterable<WindowResult>): number {
    let added = 0;
    for (const result of results) {
      const id = resultId(this.job, result);
      if (this.#ids.has(id)) continue;
      const seq = this.#nextSeq++;
      const slot = seq % this.capacity;
      const evicted = this.#ring[slot];
      if (evicted !== undefined) this.#ids.delete(evicted.id);
      this.#ring[slot] = { seq, id, result, data: toJson(result) };
      this.#ids.set(id, seq);
      added++;
    }
    if (added > 0) this.#notify();
    return added;
  }

  /**
   * Starts a subscription after `lastEventId` (every buffered result when omitted). `gap` is true when
   * the id is not in the buffer: the subscriber may have missed results, and gets everything buffered.
   */
  subscribe(lastEventId?: string): FeedSubscription {
    let cursor = this.oldest;
    let gap = false;
    if (lastEventId !== undefined && lastEventId !== "") {
      const seq = this.#ids.get(lastEventId);
      if (seq === undefined) gap = true;
      else cursor = seq + 1;
    }
    const sub = new FeedSubscription(this, cursor, gap, (s) => this.#subs.delete(s));
    this.#subs.add(sub);
    return sub;
  }

  /** Ends every subscription (their streams finish) and refuses new results. */
  close(): void {
    this.#closed = true;
    for (const s of [...this.#subs]) s.close();
    this.#notify();
  }

  static {
    readFeed = (feed, seq, max) => feed.#read(seq, max);
    feedChanged = (feed) => feed.#changedPromise;
  }

  /** Items from `seq` on, at most `max`. */
  #read(seq: number, max: number): FeedItem[] {
    const out: FeedItem[] = [];
    for (let s = Math.max(seq, this.oldest); s < this.#nextSeq && out.length < max; s++) {
      out.push(this.#ring[s % this.capacity]!);
    }
    return out;
  }

  #renew(): void {
    this.#changedPromise = new Promise<void>((resolve) => {
      this.#changed = resolve;
    });
  }

  #notify(): void {
    const wake = this.#changed;
    this.#renew();
    wake();
  }
}

/** One reader of a {@linkcode ResultFeed}: a cursor into its buffer. */
export class FeedSubscription {
  readonly #feed: ResultFeed;
  readonly #onClose: (s: FeedSubscription) => void;
  #cursor: number;
  #closed = false;
  #stop!: () => void;
  readonly #stopped: Promise<void>;
  /** Results this subscriber skipped because the buffer overtook it (or its Last-Event-ID was unknown). */
  missed = 0;
  /** True when the subscription started from an unknown Last-Event-ID. */
  readonly gap: boolean;

  /** @internal use `feed.subscribe()` */
  constructor(feed: ResultFeed, cursor: number, gap: boolean, onClose: (s: FeedSubscription) => void) {
    this.#feed = feed;
    this.#cursor = cursor;
    this.gap = gap;
    this.#onClose = onClose;
    this.#stopped = new Promise<void>((resolve) => {
      this.#stop = resolve;
    });
  }

  /** True once this subscription or its feed was closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The next results for this subscriber (at most `max`), advancing its cursor. */
  take(max: number): FeedItem[] {
    if (this.#cursor < this.#feed.oldest) {
      this.missed += this.#feed.oldest - this.#cursor;
      this.#cursor = this.#feed.oldest;
    }
    const items = readFeed(this.#feed, this.#cursor, max);
    this.#cursor += items.length;
    return items;
  }

  /** Waits until there is something to take, `ms` pass, or the subscription closes. */
  async wait(ms: number): Promise<"ready" | "timeout" | "closed"> {
    if (this.#closed || this.#feed.closed) return "closed";
    if (this.#cursor < this.#feed.next) return "ready";
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), ms);
    });
    try {
      const r = await Promise.race([
        feedChanged(this.#feed).then(() => "ready" as const),
        this.#stopped.then(() => "closed" as const),
        timeout,
      ]);
      return this.#closed || this.#feed.closed ? "closed" : r;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  /** Ends the subscription: a pending `wait` resolves with `"closed"`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop();
    this.#onClose(this);
  }
}
