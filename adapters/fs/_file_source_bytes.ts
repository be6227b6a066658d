/// <reference types="node" />
// The runtime side of fileSource: listing the directory, reading a file's bytes (in place, or
// gunzipped from the start and skipped to the offset), and cleaning up files a checkpoint covers.
import { type FileHandle, mkdir, open, readdir, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";

function isMissing(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === "ENOENT";
}

/** The matching files in reading order: modification time, then name. */
export async function listFiles(dir: string, pattern: RegExp): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => {
    pattern.lastIndex = 0;
    return pattern.test(n);
  });
  // A file may go (cleanSource, a user) between readdir and stat: it is not listed.
  const files = await Promise.all(names.map(async (name) => {
    try {
      return { name, stats: await stat(join(dir, name)) };
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }));
  return files.filter((f) => f !== undefined && f.stats.isFile())
    .map((f) => f!)
    .sort((a, b) => a.stats.mtimeMs - b.stats.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((f) => f.name);
}

/** Reads a file from a byte offset; after the end, a plain file is read again for what was appended. */
export class FileBytes {
  readonly #handle: FileHandle;
  readonly #readBytes: number;
  #position: number;
  #gunzipped: ReadableStreamDefaultReader<Uint8Array> | undefined;

  private constructor(handle: FileHandle, position: number, readBytes: number) {
    this.#handle = handle;
    this.#position = position;
    this.#readBytes = readBytes;
  }

  /** Opens `path`, or returns undefined when it does not exist. */
  static async open(path: string, gzip: boolean, from: number, readBytes: number): Promise<FileBytes | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(path, "r");
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
    const bytes = new FileBytes(handle, gzip ? 0 : from, readBytes);
    if (gzip) bytes.#gunzipped = bytes.#gunzip(from);
    return bytes;
  }

  /** The next chunk, or null at the (current) end of the file. */
  async read(): Promise<Uint8Array | null> {
    if (this.#gunzipped !== undefined) {
      const r = await this.#gunzipped.read();
      return r.done ? null : r.value;
    }
    return await this.#readRaw();
  }

  async #readRaw(): Promise<Uint8Array | null> {
    const buf = new Uint8Array(this.#readBytes);
    const { bytesRead } = await this.#handle.read(buf, 0, this.#readBytes, this.#position);
    if (bytesRead === 0) return null;
    this.#position += bytesRead;
    return buf.subarray(0, bytesRead);
  }

  // The decompressed bytes from `from` on (gzip offsets count decompressed bytes).
  #gunzip(from: number): ReadableStreamDefaultReader<Uint8Array> {
    const raw = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const chunk = await this.#readRaw();
        if (chunk === null) controller.close();
        else controller.enqueue(chunk);
      },
    }, { highWaterMark: 0 });
    let skip = from;
    return raw.pipeThrough(new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>)
      .pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            if (skip >= chunk.length) skip -= chunk.length;
            else {
              controller.enqueue(skip === 0 ? chunk : chunk.subarray(skip));
              skip = 0;
            }
          },
        }),
      ).getReader();
  }

  async close(): Promise<void> {
    await this.#gunzipped?.cancel().catch(() => {});
    await this.#handle.close();
  }
}

/** Deletes `file`, or moves it into `archiveDir` (keeping it in place, with a warning, if the name is taken there). */
export async function cleanFile(dir: string, file: string, archiveDir: string | undefined): Promise<void> {
  const from = join(dir, file);
  const exists = (path: string) =>
    stat(path).then(() => true, (e) => {
      if (isMissing(e)) return false;
      throw e;
    });
  try {
    if (archiveDir === undefined) {
      await unlink(from);
      return;
    }
    // Gone already: cleaned before a restart, whose first offsets still name it.
    if (!(await exists(from))) return;
    await mkdir(archiveDir, { recursive: true });
    const to = join(archiveDir, file);
    if (await exists(to)) {
      console.warn(`weir: fileSource leaves ${from} in place as ${to} already exists`);
      return;
    }
    await rename(from, to);
  } catch (e) {
    if (!isMissing(e)) throw e;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
