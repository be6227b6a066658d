// The file sink's two-phase commit (Flink's FileSink with its committer): results are appended to one
// open part file per partition under a temporary name; a part is finished when it reaches maxBytes or
// maxMs, or at a checkpoint barrier. `prepare` finishes every open part and names where each finished one
// will go; `commit` renames them there; `recover` redoes the restored checkpoint's renames and removes
// temporary files and the parts of checkpoints newer than the restored one.
import type { Clock } from "../time/clock.ts";
import type { RestoredSinkCheckpoint, SinkCheckpoint, TwoPhaseCommitter } from "../checkpoint/mod.ts";
import { CRLF, csvRow } from "./_csv.ts";
import type { PartNames } from "./_part_names.ts";
import type { FileSinkBackend, FileSinkFile } from "./file_sink_backend.ts";

/** What a file sink prepared for a checkpoint: each finished part's temporary and committed path. */
export interface FileSinkPending {
  /** Parts in the order they were finished. */
  readonly parts: readonly { readonly temp: string; readonly final: string }[];
}

export interface PartCommitterConfig<T> {
  backend: FileSinkBackend;
  names: PartNames;
  format: "ndjson" | "csv";
  maxBytes: number;
  maxMs: number;
  partition: (result: T) => string;
  clock: Clock;
}

interface OpenPart {
  dir: string;
  temp: string;
  file: FileSinkFile;
  /** Bytes of the part, buffered ones included. */
  bytes: number;
  openedAt: number;
  /** The CSV header line of the part (its columns), null for NDJSON. */
  header: string | null;
  /** Bytes not yet written to the file: `buffer[0, used)`. */
  buffer: Uint8Array;
  used: number;
}

/** Bytes gathered before one write to the file. */
const FLUSH_BYTES = 64 * 1024;
/** A part's buffer starts small (a job may have many partitions open) and doubles up to FLUSH_BYTES. */
const FIRST_BUFFER_BYTES = 4 * 1024;
/** Files closed or renamed at once (each waits for an fsync on a disk). */
const CONCURRENCY = 8;

async function forEachLimited<T>(items: readonly T[], fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}
const encoder = new TextEncoder();
/** Each line is encoded here first (no allocation per line), then copied into its part's buffer. */
let scratch = new Uint8Array(4096);

function encodeLine(line: string): number {
  if (line.length * 3 > scratch.length) scratch = new Uint8Array(line.length * 3);
  return encoder.encodeInto(line, scratch).written;
}

/** A relative path of plain segments: a description never points outside the sink's directory. */
const isInside = (path: unknown): boolean =>
  typeof path === "string" && path.split("/").every((s) => s !== "" && s !== "." && s !== ".." && !s.includes("\\"));

function checkPending(pending: unknown, seq: number): FileSinkPending {
  const p = pending as FileSinkPending;
  const ok = typeof p === "object" && p !== null && Array.isArray(p.parts) &&
    p.parts.every((x) => isInside(x?.temp) && isInside(x.final));
  if (!ok) {
    throw new TypeError(
      `Cannot recover the file sink from checkpoint ${seq} as what it prepared is not a file sink's list of parts: current value is ${
        JSON.stringify(pending) ?? String(pending)
      }`,
    );
  }
  return p;
}

export class PartCommitter<T> implements TwoPhaseCommitter<T, FileSinkPending> {
  readonly #cfg: PartCommitterConfig<T>;
  readonly #open = new Map<string, OpenPart>();
  /** Finished parts not yet named by a prepare. */
  #finished: { dir: string; temp: string }[] = [];

  constructor(cfg: PartCommitterConfig<T>) {
    this.#cfg = cfg;
  }

  /** Synchronous while the result fits its open part's buffer: most writes create no promise. */
  write(value: T): void | Promise<void> {
    const cfg = this.#cfg;
    const dir = cfg.partition(value);
    let header: string | null = null;
    let line: string;
    if (cfg.format === "csv") {
      const row = csvRow(value);
      header = row.columns.join(",") + CRLF;
      line = row.cells.join(",") + CRLF;
    } else {
      const json = JSON.stringify(value);
      if (json === undefined) {
        throw new TypeError(`Cannot write ${String(value)} to an NDJSON file sink as it has no JSON form`);
      }
      line = json + "\n";
    }
    const n = encodeLine(line);
    const part = this.#open.get(dir);
    const rolls = part !== undefined &&
      (part.header !== header || part.bytes + n > cfg.maxBytes || cfg.clock.now() - part.openedAt >= cfg.maxMs);
    if (part !== undefined && !rolls && part.used + n <= part.buffer.length) {
      part.buffer.set(scratch.subarray(0, n), part.used);
      part.used += n;
      part.bytes += n;
      return;
    }
    return this.#writeSlowly(dir, header, part, rolls, scratch.slice(0, n));
  }

  async #writeSlowly(
    dir: string,
    header: string | null,
    part: OpenPart | undefined,
    rolls: boolean,
    bytes: Uint8Array,
  ): Promise<void> {
    if (part !== undefined && rolls) {
      await this.#finish(part);
      part = undefined;
    }
    part ??= await this.#start(dir, header);
    const needed = part.used + bytes.length;
    if (needed > part.buffer.length && part.buffer.length < FLUSH_BYTES) {
      const grown = new Uint8Array(Math.min(FLUSH_BYTES, Math.max(2 * part.buffer.length, needed)));
      grown.set(part.buffer.subarray(0, part.used));
      part.buffer = grown;
    }
    if (needed > part.buffer.length) await this.#flush(part);
    if (bytes.length > part.buffer.length) await part.file.write(bytes);
    else {
      part.buffer.set(bytes, part.used);
      part.used += bytes.length;
    }
    part.bytes += bytes.length;
  }

  async #start(dir: string, header: string | null): Promise<OpenPart> {
    const temp = this.#cfg.names.temp(dir);
    const file = await this.#cfg.backend.create(temp);
    const part: OpenPart = {
      dir,
      temp,
      file,
      bytes: 0,
      openedAt: this.#cfg.clock.now(),
      header,
      buffer: new Uint8Array(FIRST_BUFFER_BYTES),
      used: 0,
    };
    if (header !== null) {
      const h = encoder.encode(header);
      if (h.length > part.buffer.length) await file.write(h);
      else {
        part.buffer.set(h);
        part.used = h.length;
      }
      part.bytes = h.length;
    }
    this.#open.set(dir, part);
    return part;
  }

  /** Writes the buffered bytes; the buffer is handed to the file and a new one taken. */
  async #flush(part: OpenPart): Promise<void> {
    if (part.used === 0) return;
    const out = part.buffer.subarray(0, part.used);
    part.buffer = new Uint8Array(part.buffer.length);
    part.used = 0;
    await part.file.write(out);
  }

  async #close(part: OpenPart): Promise<void> {
    this.#open.delete(part.dir);
    await this.#flush(part);
    await part.file.close();
  }

  async #finish(part: OpenPart): Promise<void> {
    await this.#close(part);
    this.#finished.push({ dir: part.dir, temp: part.temp });
  }

  async prepare(checkpoint: SinkCheckpoint | null): Promise<FileSinkPending> {
    // Closed concurrently, numbered in the order the parts were opened.
    const open = [...this.#open.values()];
    await forEachLimited(open, (p) => this.#close(p));
    for (const p of open) this.#finished.push({ dir: p.dir, temp: p.temp });
    const run = checkpoint === null ? crypto.randomUUID() : checkpoint.seq;
    const parts = this.#finished.map((p, n) => ({ temp: p.temp, final: this.#cfg.names.committed(p.dir, run, n) }));
    this.#finished = [];
    return { parts };
  }

  async commit(pending: FileSinkPending): Promise<void> {
    await forEachLimited(pending.parts, (p) => this.#cfg.backend.rename(p.temp, p.final));
  }

  async recover(restored: RestoredSinkCheckpoint<FileSinkPending> | null): Promise<void> {
    const { backend, names } = this.#cfg;
    if (restored !== null && restored.pending !== undefined) {
      await this.commit(checkPending(restored.pending, restored.seq));
    }
    const newest = restored?.seq ?? -1;
    const stale = (await backend.list()).filter((path) => names.isTemp(path) || names.seqOf(path) > newest);
    await forEachLimited(stale, (path) => backend.remove(path));
  }

  /** Removes what no prepare described: open and finished parts (prepared ones wait for their commit). */
  async #discard(): Promise<void> {
    const open = [...this.#open.values()];
    this.#open.clear();
    const temps = [...open.map((p) => p.temp), ...this.#finished.map((p) => p.temp)];
    this.#finished = [];
    for (const p of open) await p.file.close().catch(() => {});
    for (const t of temps) await this.#cfg.backend.remove(t).catch(() => {});
  }

  close(): Promise<void> {
    return this.#discard();
  }

  abort(): Promise<void> {
    return this.#discard();
  }
}
