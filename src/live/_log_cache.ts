// Entries appended since the log was opened, kept (encoded) so that a reader following the log live
// gets new events without a store read. Bounded by a number of events; an evicted entry is read back
// from the store.

export interface CachedEntry {
  readonly key: string;
  readonly first: number;
  readonly end: number;
  readonly bytes: Uint8Array;
}

export class LogCache {
  readonly #max: number;
  #entries: CachedEntry[] = [];
  /** Index of the oldest live entry: dropping from the front is an index bump, compacted now and then. */
  #head = 0;
  #events = 0;

  constructor(maxEvents: number) {
    this.#max = maxEvents;
  }

  get events(): number {
    return this.#events;
  }

  add(entry: CachedEntry): void {
    this.#entries.push(entry);
    this.#events += entry.end - entry.first;
    while (this.#events > this.#max && this.#head < this.#entries.length) this.#dropOldest();
  }

  /** The cached entry holding offset `pos`, if any. */
  find(pos: number): CachedEntry | undefined {
    let lo = this.#head;
    let hi = this.#entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.#entries[mid]!;
      if (pos < e.first) hi = mid - 1;
      else if (pos >= e.end) lo = mid + 1;
      else return e;
    }
    return undefined;
  }

  /** Drops the entries that end at or before `offset` (everyone has read past them). */
  trimBelow(offset: number): void {
    while (this.#head < this.#entries.length && this.#entries[this.#head]!.end <= offset) this.#dropOldest();
  }

  #dropOldest(): void {
    const e = this.#entries[this.#head]!;
    this.#events -= e.end - e.first;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }
}
