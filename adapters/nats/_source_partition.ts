// One partition subject read by a jetStreamSource: its position (stream sequence), its watermark, whether
// it is idle, and the messages delivered but not yet acknowledged. Plus the queue that merges the messages
// of every partition a source reads.
import type { JsMsg } from "@nats-io/jetstream";

/** What a source offset stores per partition subject (fields omitted while unknown). */
export interface PartitionPosition {
  /** Stream sequence of the last message read; the source resumes after it. */
  readonly seq: number;
  /** Largest event time read (when the source has `eventTime`). */
  readonly maxEventTime?: number;
  /** Largest watermark published in-band on the partition (`Weir-Watermark` header; Infinity ends it). */
  readonly watermark?: number;
}

export class PartitionState {
  readonly subject: string;
  seq: number;
  maxEventTime: number;
  marker: number;
  /** Messages the consumer still had after the last one delivered (consumer info before any). */
  pending = Infinity;
  /** Wall time (ms) of the last delivery, or of the open. */
  lastDeliveryAt: number;
  /** The last message of each chunk, oldest first: acknowledging one (AckAll) acknowledges all before it. */
  readonly #unacked: JsMsg[] = [];

  constructor(subject: string, position: PartitionPosition | undefined, now: number) {
    this.subject = subject;
    this.seq = position?.seq ?? 0;
    this.maxEventTime = position?.maxEventTime ?? -Infinity;
    this.marker = position?.watermark ?? -Infinity;
    this.lastDeliveryAt = now;
  }

  /** The partition's own watermark: in-band watermarks, and max event time - maxOutOfOrderness. */
  watermark(maxOutOfOrderness: number): number {
    return Math.max(this.marker, this.maxEventTime - maxOutOfOrderness);
  }

  /** Caught up (nothing pending) and silent for `idleTimeout` ms. */
  isIdle(now: number, idleTimeout: number): boolean {
    return this.pending === 0 && now - this.lastDeliveryAt >= idleTimeout;
  }

  position(): PartitionPosition {
    return {
      seq: this.seq,
      ...(Number.isFinite(this.maxEventTime) ? { maxEventTime: this.maxEventTime } : {}),
      ...(this.marker > -Infinity ? { watermark: this.marker } : {}),
    };
  }

  /** Remembers `msg`, the last of a chunk, to acknowledge once a checkpoint covers it. */
  hold(msg: JsMsg): void {
    this.#unacked.push(msg);
  }

  /** Acknowledges (AckAll) the newest held message at or before `seq`. */
  ackThrough(seq: number): void {
    let i = -1;
    while (i + 1 < this.#unacked.length && this.#unacked[i + 1]!.seq <= seq) i++;
    if (i < 0) return;
    this.#unacked[i]!.ack();
    this.#unacked.splice(0, i + 1);
  }
}

/**
 * The watermark of a source over `parts`: the minimum over the partitions that are not idle; when every
 * partition is idle, the maximum (all input so far has been read: nothing is left to wait for).
 */
export function combinedWatermark(
  parts: readonly PartitionState[],
  now: number,
  maxOutOfOrderness: number,
  idleTimeout: number,
): number {
  let active = Infinity, all = -Infinity, anyActive = false;
  for (const p of parts) {
    const w = p.watermark(maxOutOfOrderness);
    if (w > all) all = w;
    if (p.isIdle(now, idleTimeout)) continue;
    anyActive = true;
    if (w < active) active = w;
  }
  return anyActive ? active : all;
}

/** A message as a pump delivered it: its partition, and the reader (consumer) it came from. */
export interface QueuedMessage {
  readonly part: PartitionState;
  readonly msg: JsMsg;
  readonly from: object;
}

/** Messages of every partition in arrival order, with backpressure on the pumps that fill it. */
export class MessageQueue {
  #items: QueuedMessage[] = [];
  #failure: { error: unknown } | null = null;
  #wake: (() => void) | null = null;
  #space: (() => void)[] = [];
  #closed = false;
  readonly #high: number;

  constructor(high: number) {
    this.#high = high;
  }

  /** Adds a message; true when the queue is full (wait for `room()` before adding more). */
  push(part: PartitionState, msg: JsMsg, from: object): boolean {
    if (this.#closed) return false;
    this.#items.push({ part, msg, from });
    this.#notify();
    return this.#items.length >= this.#high;
  }

  /** Resolves once the queue is below its high mark (or closed). */
  room(): Promise<void> {
    if (this.#items.length < this.#high || this.#closed) return Promise.resolve();
    return new Promise<void>((resolve) => this.#space.push(resolve));
  }

  /**
   * Drops what is queued and takes nothing more; pumps waiting for room go on (to the end of their
   * consumer, which is being closed: a pump left waiting would never let its consumer's close finish).
   */
  close(): void {
    this.#closed = true;
    this.#items = [];
    for (const resolve of this.#space.splice(0)) resolve();
  }

  fail(error: unknown): void {
    this.#failure ??= { error };
    this.#notify();
  }

  /** Up to `max` messages, waiting at most `waitMs` (or until `signal` aborts) for the first. */
  async take(
    max: number,
    waitMs: number,
    signal: AbortSignal | undefined,
  ): Promise<QueuedMessage[]> {
    if (this.#items.length === 0 && this.#failure === null && waitMs > 0 && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", done);
          this.#wake = null;
          resolve();
        };
        const timer = waitMs === Infinity ? undefined : setTimeout(done, waitMs);
        signal?.addEventListener("abort", done);
        this.#wake = done;
      });
    }
    if (this.#items.length === 0 && this.#failure !== null) throw this.#failure.error;
    const out = this.#items.splice(0, max);
    if (this.#items.length < this.#high) { for (const resolve of this.#space.splice(0)) resolve(); }
    return out;
  }

  #notify(): void {
    this.#wake?.();
  }
}
