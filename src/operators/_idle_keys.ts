// Both window engines keep a key's state object after its last window is gone, because the key
// usually comes back soon: deleting it would re-create it (and its Map entry) every window. Keys idle
// for two collections or more are swept once idle keys are half of all.

/** What the sweep needs of a key's state. */
export interface IdleKey {
  readonly nk: unknown;
  /** Counted as idle (no windows or slices left). */
  idle: boolean;
  /** The collection count when the key became idle. */
  idleSince: number;
}

export class IdleKeys<K extends IdleKey> {
  readonly #keys: () => Map<unknown, K>;
  readonly #forget: ((k: K) => void) | null;
  #idle = 0;
  /** Collections (windows fired or garbage-collected) so far: the clock of idle keys' age. */
  #collections = 0;
  #nextSweep = 0;

  /**
   * `keys` returns the engine's current key map (engines replace it on restore); `forget`, if given, is
   * told of each key swept from it (an engine that also finds keys elsewhere drops them there).
   */
  constructor(keys: () => Map<unknown, K>, forget: ((k: K) => void) | null = null) {
    this.#keys = keys;
    this.#forget = forget;
  }

  /** A window (or a window end) was collected. */
  collected(): void {
    this.#collections++;
  }

  /** `ks` has no windows left: it is kept, and swept later if it stays idle. */
  idle(ks: K): void {
    if (ks.idle) return;
    ks.idle = true;
    ks.idleSince = this.#collections;
    this.#idle++;
    const keys = this.#keys();
    if (this.#idle * 2 > keys.size && this.#collections >= this.#nextSweep) {
      for (const [nk, k] of keys) {
        if (k.idle && this.#collections - k.idleSince >= 2) {
          keys.delete(nk);
          this.#forget?.(k);
          this.#idle--;
        }
      }
      this.#nextSweep = this.#collections + 2;
    }
  }

  /** `ks` took an element again. */
  active(ks: K): void {
    if (!ks.idle) return;
    ks.idle = false;
    this.#idle--;
  }

  /** The key map was replaced (restore): no key is idle. */
  reset(): void {
    this.#idle = 0;
  }
}
