// opfsFileSink's directory over the Origin Private File System. The handle types are declared here
// (the parts used), so that the build needs neither DOM.AsyncIterable nor the newer `move()` typings.
// A writable's close() replaces the file's contents atomically (writes go to a swap file first); the
// browser decides when that reaches the disk, as OPFS has no fsync.
import type { FileSinkBackend, FileSinkFile } from "../../mod.ts";

interface Writable {
  write(data: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

interface FileHandle {
  readonly kind: "file";
  readonly name: string;
  createWritable(): Promise<Writable>;
  getFile(): Promise<Blob>;
  /** Chromium 110+, Safari 17+, Firefox 111+ for OPFS files. */
  move?(name: string): Promise<void>;
}

export interface DirectoryHandle {
  readonly kind: "directory";
  readonly name: string;
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<DirectoryHandle>;
  getFileHandle(name: string, options?: { create?: boolean }): Promise<FileHandle>;
  removeEntry(name: string): Promise<void>;
  values(): AsyncIterable<FileHandle | DirectoryHandle>;
}

const isNotFound = (e: unknown): boolean =>
  typeof e === "object" && e !== null && (e as { name?: unknown }).name === "NotFoundError";

export class OpfsFileSinkBackend implements FileSinkBackend {
  readonly #root: () => Promise<DirectoryHandle>;

  constructor(root: () => Promise<DirectoryHandle>) {
    this.#root = root;
  }

  /** The directory holding `path` and the file's name; undefined when a directory is missing. */
  async #parent(path: string, create: boolean): Promise<{ dir: DirectoryHandle; name: string } | undefined> {
    const segments = path.split("/");
    const name = segments.pop()!;
    let dir = await this.#root();
    try {
      for (const s of segments) dir = await dir.getDirectoryHandle(s, { create });
    } catch (e) {
      if (!create && isNotFound(e)) return undefined;
      throw e;
    }
    return { dir, name };
  }

  async create(path: string): Promise<FileSinkFile> {
    const { dir, name } = (await this.#parent(path, true))!;
    const writable = await (await dir.getFileHandle(name, { create: true })).createWritable();
    return { write: (bytes) => writable.write(bytes), close: () => writable.close() };
  }

  async rename(from: string, to: string): Promise<boolean> {
    const at = await this.#parent(from, false);
    if (at === undefined) return false;
    let handle: FileHandle;
    try {
      handle = await at.dir.getFileHandle(at.name);
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
    const target = to.slice(to.lastIndexOf("/") + 1);
    if (typeof handle.move === "function") {
      await handle.move(target);
      return true;
    }
    // Without move(): copy (replacing the target atomically on close), then remove. A crash in between
    // leaves both, and the next commit copies again: the same bytes under the same name.
    const copy = await (await at.dir.getFileHandle(target, { create: true })).createWritable();
    await copy.write(new Uint8Array(await (await handle.getFile()).arrayBuffer()));
    await copy.close();
    await at.dir.removeEntry(at.name);
    return true;
  }

  async remove(path: string): Promise<void> {
    const at = await this.#parent(path, false);
    if (at === undefined) return;
    try {
      await at.dir.removeEntry(at.name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  async list(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: DirectoryHandle, prefix: string): Promise<void> => {
      for await (const entry of dir.values()) {
        if (entry.kind === "directory") await walk(entry, `${prefix}${entry.name}/`);
        else out.push(prefix + entry.name);
      }
    };
    await walk(await this.#root(), "");
    return out;
  }
}
