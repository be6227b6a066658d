// The slots of POST /events: at most `max` bodies are read at once (memory stays bounded). Bodies
// that have taken longer than a second may hold at most half of them: when every slot is taken and
// more than half are held by such bodies, a new request cuts the one that has taken longest (it gets
// 408) and takes its slot. Clients that send at full speed keep finding room while slow ones trickle.

/** A body is "slow" once it has taken longer than this. */
const SLOW_AFTER_MS = 1_000;

export interface Slot {
  readonly since: number;
  readonly cut: AbortController;
}

export class IngestSlots {
  readonly #max: number;
  /** Insertion order is start order, so the first slow slot is the oldest. */
  readonly #held = new Set<Slot>();

  constructor(max: number) {
    this.#max = max;
  }

  get size(): number {
    return this.#held.size;
  }

  /** A slot for a new body, or undefined when all are taken and not too many of them by slow bodies. */
  take(now: number = Date.now()): Slot | undefined {
    if (this.#held.size >= this.#max) {
      const slow = [...this.#held].filter((s) => now - s.since > SLOW_AFTER_MS);
      if (slow.length <= Math.floor(this.#max / 2)) return undefined;
      const oldest = slow[0]!;
      this.#held.delete(oldest);
      oldest.cut.abort();
    }
    const slot = { since: now, cut: new AbortController() };
    this.#held.add(slot);
    return slot;
  }

  release(slot: Slot): void {
    this.#held.delete(slot);
  }
}
