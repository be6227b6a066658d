import { checkOptionNames } from "../option_names.ts";
import { type Clock, systemClock } from "../time/clock.ts";
import { resultId } from "../window/result_id.ts";
import { resultJson } from "./_result_json.ts";
import type { WindowResult } from "../window/types.ts";

/** Options of {@linkcode ResultFeed}. */
export interface ResultFeedOptions {
  /** The job id that result ids start with (see `resultId`). */
  job: string;
  /** How many recent results are kept for reconnecting clients (default 10 000). */
  capacity?: number;
  /** How long (ms) a result is kept after it was published (default `Infinity`: only `capacity` bounds it). */
  maxAge?: number;
  /** Where the feed reads the time results are published at, for `maxAge` (default the wall clock). */
  clock?: Clock;
  /**
   * Results to start with (a job's stored replay window, see `LiveJob`), numbered as they were: the feed
   * is `ready` once they are in, so that ids given out before a restart resume after it.
   */
  restore?: Promise<Iterable<FeedItem>>;
}

/** One published result with its deterministic id and its JSON text. */
export interface FeedItem {
  /** Position of the result in the feed (0, 1, ...), kept across restarts when the feed is restored. */
  readonly seq: number;
  /** When the result was published (epoch ms of the feed's clock): `maxAge` counts from here. */
  readonly at: number;
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

/**
 * A broadcast of window results with a bounded replay buffer: what `GET /results` serves as
 * Server-Sent Events. Each result gets its deterministic id (`resultId(job, result)`), so a client
 * that reconnects with `Last-Event-ID` is sent exactly the results published after that id, as long
 * as the id is still in the buffer: the newest `capacity` results, none older than `maxAge`. A result
 * republished with an id already in the buffer (a job re-emitting after a restart) is dropped.
 *
 * `publish` is `append(prepare(results))`: a job that stores its results (`LiveJob` with checkpoints)
 * stores what `prepare` returns before `append` shows it to anyone, and a new feed starts from the
 * stored items (`restore`), so ids and positions survive a restart.
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
  /** How long (ms) a result is kept after it was published. */
  readonly maxAge: number;
  /** Resolves once the results to `restore` are in (at once for a feed without). */
  readonly ready: Promise<void>;
  readonly #clock: Clock;
  readonly #ring: (FeedItem | undefined)[];
  readonly #ids = new Map<string, number>();
  /** The oldest sequence number still held (age evicts from here on). */
  #first = 0;
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
    checkOptionNames("create result feed", options, ["job", "capacity", "maxAge", "clock", "restore"]);
    const { capacity = 10_000, maxAge = Infinity, clock = systemClock, restore } = options;
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `Cannot create result feed as capacity must be an integer >= 1: current value is ${String(capacity)}`,
      );
    }
    if (typeof maxAge !== "number" || !(maxAge > 0)) {
      throw new RangeError(
        `Cannot create result feed as maxAge must be a number > 0: current value is ${String(maxAge)}`,
      );
    }
    if (typeof clock?.now !== "function") {
      throw new TypeError(
        `Cannot create result feed as clock must have a now() method: current value is ${String(clock)}`,
      );
    }
    this.job = options.job;
    this.capacity = capacity;
    this.maxAge = maxAge;
    this.#clock = clock;
    this.#ring = new Array(capacity);
    this.#renew();
    // A failed restore leaves the feed empty: the job that supplied it reports the failure.
    this.ready = restore === undefined ? Promise.resolve() : restore.then((items) => void this.append(items), () => {});
  }

  /** Sequence number of the oldest result still in the buffer. */
  get oldest(): number {
    this.#expire();
    return this.#first;
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
    return this.append(this.prepare(results));
  }

  /**
   * The items `results` become when appended next: those whose id the feed does not hold, numbered on
   * from `next`, stamped with the time now. Nothing is published; append them before preparing more.
   */
  prepare(results: Iterable<WindowResult>): FeedItem[] {
    const items: FeedItem[] = [];
    const fresh = new Set<string>();
    const at = this.#clock.now();
    let seq = this.#nextSeq;
    for (const result of results) {
      const id = resultId(this.job, result);
      if (this.#ids.has(id) || fresh.has(id)) continue;
      fresh.add(id);
      items.push({ seq: seq++, at, id, result, data: resultJson(result) });
    }
    return items;
  }

  /**
   * Publishes items from `prepare` (or restored ones) in order; returns how many were new. An item
   * numbered below `next`, or whose id the feed holds, is skipped; one numbered beyond it drops every
   * older result, as if they had been evicted.
   */
  append(items: Iterable<FeedItem>): number {
    let added = 0;
    for (const item of items) {
      if (item.seq < this.#nextSeq || this.#ids.has(item.id)) continue;
      if (item.seq > this.#nextSeq) {
        this.#evictBefore(this.#nextSeq);
        this.#first = this.#nextSeq = item.seq;
      }
      this.#evictBefore(item.seq + 1 - this.capacity);
      this.#ring[item.seq % this.capacity] = item;
      this.#ids.set(item.id, item.seq);
      this.#nextSeq = item.seq + 1;
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
    // `oldest` expired what is too old: an id still in `#ids` is in the buffer.
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

  /** Drops results older than `maxAge` (they are in publishing order, so the oldest come first). */
  #expire(): void {
    if (this.maxAge === Infinity || this.#first === this.#nextSeq) return;
    const before = this.#clock.now() - this.maxAge;
    let seq = this.#first;
    while (seq < this.#nextSeq && this.#ring[seq % this.capacity]!.at <= before) seq++;
    this.#evictBefore(seq);
  }

  /** Forgets every result numbered below `seq`. */
  #evictBefore(seq: number): void {
    for (const end = Math.min(seq, this.#nextSeq); this.#first < end; this.#first++) {
      const slot = this.#first % this.capacity;
      this.#ids.delete(this.#ring[slot]!.id);
      this.#ring[slot] = undefined;
    }
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

/**
 * One reader of a {@linkcode ResultFeed}: a cursor into its buffer.
 *
 * @example Waiting for results, then taking them
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { type FeedSubscription, ResultFeed } from "weirjs/live";
 *
 * const feed = new ResultFeed({ job: "clicks", capacity: 100 });
 * const sub: FeedSubscription = feed.subscribe();
 * assertEquals(await sub.wait(10), "timeout"); // nothing published yet
 * feed.publish([{
 *   key: "fr", window: { start: 0, end: 10 }, value: 3, timestamp: 9,
 *   pane: { index: 0, nonSpeculativeIndex: 0, timing: "on-time", isFirst: true, isFinal: true },
 * }]);
 * assertEquals(await sub.wait(10), "ready");
 * assertEquals(sub.take(10).map((i) => i.id), ["clicks/sfr/0/10/0"]);
 * sub.close();
 * assertEquals(await sub.wait(10), "closed");
 * ```
 */
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
