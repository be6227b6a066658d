/// <reference types="node" />
import { mkdir, open, readdir, readFile, rename } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  BackedStateStore,
  DamagedValueError,
  MAX_STATE_KEY_BYTES,
  SortedKeys,
  type StateKeyRange,
  type StateStoreBackend,
  StateStoreError,
  UNLIMITED_BATCH,
} from "../../src/state/mod.ts";
import { errorCode, forEachLimited, randomName, syncDir, unlinkIfPresent, writeDurably } from "./_files.ts";
import { applyJournal, commitJournal, type JournalOp, journalPath, replayJournal } from "./_journal.ts";
import { acquireLock, type DirLock } from "./_lock.ts";
import { decodeDataFile, encodeDataHeader, fileNameOf, isHashedName, keyOfName } from "./_names.ts";

/**
 * A {@linkcode StateStore} in a directory, on `node:fs/promises` alone, so it runs on Node, Deno and Bun.
 *
 * Layout: `data/` holds one file per key (names: see `_names.ts`; safe for any key on case-insensitive
 * filesystems, no path traversal), `tmp/` files being written, `journal` a committed batch being applied,
 * `lock` the lock.
 * - `put` writes a temp file, fsyncs it, renames it over the key's file and fsyncs `data/`: a crash leaves
 *   the old value or the new one. `delete` unlinks and fsyncs `data/`.
 * - `batch` commits through a journal (see `_journal.ts`): all values go to fsynced temp files, then one
 *   rename of the journal file is the commit point, and `open` replays a journal a crash interrupted.
 * - `open` takes `lock` exclusively (`open(path, "wx")`, holding pid, host and times): a second open, from
 *   this or any process, fails with `StateStoreError` until `close`. A lock left by a dead process on this
 *   host is taken over; a process id reused by a live process keeps the lock (remove the file by hand).
 * - The key index lives in memory (the lock guarantees no one else changes the directory), so `list` costs
 *   no I/O; `open` reads the directory once, and reads the files of keys over 100 UTF-8 bytes.
 *
 * Limits: none of its own (`limits` are `Infinity`); disk space and open-file limits apply, and a write
 * that fails on them (ENOSPC, EMFILE, ...) rejects with `StateStoreError` and applied nothing. A batch that
 * fails after its commit point leaves the store unusable until reopened, which completes the batch.
 *
 * @example A store in a directory
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { mkdtemp } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { FsStateStore } from "weirjs/adapters/fs";
 *
 * const dir = await mkdtemp(join(tmpdir(), "weir-")); // or "./.weir-data/job-1"
 * const store = await FsStateStore.open(dir);
 * await store.put("ckpt/1/manifest", new TextEncoder().encode("{}"));
 * assertEquals(await store.list("ckpt/"), ["ckpt/1/manifest"]);
 * await store.close(); // releases the lock
 * ```
 */
export class FsStateStore extends BackedStateStore {
  /** The directory the store keeps its files in. */
  readonly dir: string;

  private constructor(dir: string, backend: StateStoreBackend) {
    super(backend);
    this.dir = dir;
  }

  /** Opens (creating it if needed) the store in directory `dir`, locks it, and recovers from a crash. */
  static async open(dir: string): Promise<FsStateStore> {
    if (typeof dir !== "string" || dir === "") {
      throw new TypeError(
        `Cannot open filesystem state store as dir must be a non-empty string: current value is ${JSON.stringify(dir)}`,
      );
    }
    const root = resolve(dir);
    try {
      await mkdir(root, { recursive: true });
    } catch (cause) {
      throw new StateStoreError(`Cannot create state store directory ${root}`, { cause });
    }
    const lock = await acquireLock(join(root, "lock"));
    try {
      await mkdir(join(root, "data"), { recursive: true });
      await mkdir(join(root, "tmp"), { recursive: true });
      await replayJournal(root);
      // Whatever is left in tmp/ belongs to writes that never reached their commit point.
      await forEachLimited(await readdir(join(root, "tmp")), 16, (f) => unlinkIfPresent(join(root, "tmp", f)));
      return new FsStateStore(root, new FsBackend(root, lock, await readIndex(root)));
    } catch (cause) {
      await lock.release();
      throw cause instanceof StateStoreError
        ? cause
        : new StateStoreError(`Cannot open state store in ${root}`, { cause });
    }
  }
}

/** The directory behind an {@linkcode FsStateStore}; the store checks arguments and orders the writes. */
class FsBackend implements StateStoreBackend {
  readonly name: string;
  readonly limits = UNLIMITED_BATCH;
  readonly queueWrites = true;
  readonly dir: string;
  #lock: DirLock;
  /** key → file name, and the keys sorted: the directory's contents as of the last completed write. */
  #names: Map<string, string>;
  #sorted: SortedKeys;
  /** Set when a batch failed after its commit point: only reopening (replay) can complete it. */
  #broken: unknown;

  constructor(dir: string, lock: DirLock, names: Map<string, string>) {
    this.name = `filesystem state store in ${dir}`;
    this.dir = dir;
    this.#lock = lock;
    this.#names = names;
    this.#sorted = new SortedKeys(names.keys());
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const name = this.#names.get(key);
    if (name === undefined) return undefined;
    let file: Uint8Array;
    try {
      file = await readFile(join(this.dir, "data", name));
    } catch (e) {
      // A delete that completed while we read: the key is gone, as it would be a moment later.
      if (errorCode(e) === "ENOENT") return undefined;
      throw new StateStoreError(`Cannot get ${JSON.stringify(key)} from ${this.dir}`, { cause: e });
    }
    try {
      const decoded = decodeDataFile(file);
      if (decoded.key !== key) throw new TypeError(`file holds key ${JSON.stringify(decoded.key)}`);
      return decoded.value;
    } catch (cause) {
      throw new DamagedValueError(
        key,
        `Cannot get ${JSON.stringify(key)} from ${this.dir} as data/${name} is damaged`,
        {
          cause,
        },
      );
    }
  }

  list(range: StateKeyRange): Promise<string[]> {
    return Promise.resolve(this.#sorted.list(range));
  }

  close(): Promise<void> {
    return this.#lock.release();
  }

  async write(effect: Map<string, Uint8Array | undefined>): Promise<void> {
    const data = join(this.dir, "data");
    const planned: Array<{ key: string; name: string; value: Uint8Array | undefined; tmp?: string }> = [];
    for (const [key, value] of effect) {
      // Deleting an absent key changes nothing on disk.
      if (value === undefined && !this.#names.has(key)) continue;
      planned.push({ key, name: this.#names.get(key) ?? (await fileNameOf(key)), value });
    }
    if (planned.length === 0) return;
    const batchId = randomName();
    const discardTmp = () =>
      forEachLimited(planned, 16, (p) => (p.tmp ? unlinkIfPresent(join(this.dir, "tmp", p.tmp)) : Promise.resolve()));
    try {
      await forEachLimited(planned, 16, async (p) => {
        if (p.value === undefined) return;
        p.tmp = `${batchId}-${p.name}`;
        await writeDurably(join(this.dir, "tmp", p.tmp), [encodeDataHeader(p.key), p.value]);
      });
    } catch (cause) {
      await discardTmp();
      throw new StateStoreError(`Cannot write ${planned.length} keys to ${this.dir}: nothing was applied`, { cause });
    }
    if (planned.length === 1) {
      // One file needs no journal: its rename (or unlink) is atomic by itself.
      const p = planned[0]!;
      try {
        if (p.tmp) await rename(join(this.dir, "tmp", p.tmp), join(data, p.name));
        else await unlinkIfPresent(join(data, p.name));
      } catch (cause) {
        await discardTmp();
        throw new StateStoreError(`Cannot write ${JSON.stringify(p.key)} to ${this.dir}: nothing was applied`, {
          cause,
        });
      }
      this.#index(p.key, p.tmp ? p.name : undefined);
      await this.#orBreak(
        () => syncDir(data),
        `the write of ${JSON.stringify(p.key)} is visible but may not be durable`,
      );
      return;
    }
    const ops: JournalOp[] = planned.map((p) => (p.tmp ? { name: p.name, tmp: p.tmp } : { name: p.name }));
    try {
      await commitJournal(this.dir, ops, `${batchId}-journal`);
    } catch (cause) {
      // The journal may have got its name before the failure: withdraw it, or it would replay later.
      await this.#orBreak(async () => {
        await unlinkIfPresent(journalPath(this.dir));
        await syncDir(this.dir);
      }, `a batch of ${planned.length} keys may or may not have been committed`);
      await discardTmp();
      throw new StateStoreError(`Cannot commit a batch of ${planned.length} keys to ${this.dir}: nothing was applied`, {
        cause,
      });
    }
    await this.#orBreak(
      () => applyJournal(this.dir, ops),
      `a committed batch of ${planned.length} keys is applied only in part`,
    );
    for (const p of planned) this.#index(p.key, p.value === undefined ? undefined : p.name);
  }

  /** Runs a step after which the directory may differ from the index: failing, the store must be reopened. */
  async #orBreak(step: () => Promise<void>, state: string): Promise<void> {
    try {
      await step();
    } catch (cause) {
      this.#broken = cause;
      throw new StateStoreError(
        `Cannot finish a write in ${this.dir}: ${state}. Reopen the store, which completes or discards it; until then it refuses further calls`,
        { cause },
      );
    }
  }

  #index(key: string, name: string | undefined): void {
    const had = this.#names.has(key);
    if (name === undefined) {
      if (!had) return;
      this.#names.delete(key);
      this.#sorted.remove(key);
    } else {
      this.#names.set(key, name);
      if (!had) this.#sorted.insert(key);
    }
  }

  checkUsable(action: string): void {
    if (this.#broken !== undefined) {
      throw new StateStoreError(`Cannot ${action} as an earlier batch failed midway: reopen the store in ${this.dir}`, {
        cause: this.#broken,
      });
    }
  }
}

/**
 * Reads data/ into key → file name. Files of names this store never writes are ignored. A long key's file
 * whose header is damaged names no key any more: it is moved to damaged/ (its key reads as absent, and the
 * bytes stay for inspection) rather than blocking every open.
 */
async function readIndex(root: string): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const name of await readdir(join(root, "data"))) {
    const key = keyOfName(name);
    if (key !== undefined) names.set(key, name);
    else if (isHashedName(name)) {
      let header: Uint8Array;
      try {
        // Only the header: 8 bytes and a key of at most MAX_STATE_KEY_BYTES, never the whole value.
        const handle = await open(join(root, "data", name), "r");
        try {
          const { buffer, bytesRead } = await handle.read(
            new Uint8Array(8 + MAX_STATE_KEY_BYTES),
            0,
            8 + MAX_STATE_KEY_BYTES,
            0,
          );
          header = buffer.subarray(0, bytesRead);
        } finally {
          await handle.close();
        }
      } catch (cause) {
        throw new StateStoreError(`Cannot open state store in ${root} as data/${name} cannot be read`, { cause });
      }
      try {
        names.set(decodeDataFile(header).key, name);
      } catch (cause) {
        await quarantine(root, name, cause);
      }
    }
  }
  return names;
}

async function quarantine(root: string, name: string, cause: unknown): Promise<void> {
  try {
    await mkdir(join(root, "damaged"), { recursive: true });
    await rename(join(root, "data", name), join(root, "damaged", name));
    await syncDir(join(root, "data"));
  } catch (e) {
    throw new StateStoreError(`Cannot open state store in ${root} as data/${name} is damaged and cannot be moved`, {
      cause: new AggregateError([cause, e]),
    });
  }
  console.warn(
    `weir: moved data/${name} of the state store in ${root} to damaged/: its header is damaged (${
      cause instanceof Error ? cause.message : String(cause)
    }), so the key it held reads as absent`,
  );
}
