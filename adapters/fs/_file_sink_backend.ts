/// <reference types="node" />
// fileSink's directory over node:fs/promises (Node, Deno, Bun). Durability as the checkpoint needs it:
// a closed part file is fsynced with its directory, new partition directories are fsynced into their
// parents when created, and every rename or removal is followed by an fsync of its directory.
import { mkdir, open, readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { FileSinkBackend, FileSinkFile } from "../../mod.ts";
import { errorCode, renameIfPresent, syncDir, unlinkIfPresent } from "./_files.ts";

export class FsFileSinkBackend implements FileSinkBackend {
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  #path(path: string): string {
    return join(this.#root, ...path.split("/"));
  }

  /** Creates `dir` and its missing parents, each fsynced into its parent. */
  async #mkdirs(dir: string): Promise<void> {
    const first = await mkdir(dir, { recursive: true });
    if (first === undefined) return;
    const created: string[] = [];
    for (let d = dir; d.length >= first.length; d = dirname(d)) created.push(d);
    for (const d of created.reverse()) await syncDir(dirname(d));
  }

  async create(path: string): Promise<FileSinkFile> {
    const full = this.#path(path);
    await this.#mkdirs(dirname(full));
    const handle = await open(full, "w");
    return {
      async write(bytes) {
        let at = 0;
        while (at < bytes.length) at += (await handle.write(bytes, at, bytes.length - at)).bytesWritten;
      },
      async close() {
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
        await syncDir(dirname(full));
      },
    };
  }

  async rename(from: string, to: string): Promise<boolean> {
    const moved = await renameIfPresent(this.#path(from), this.#path(to));
    // Also when `from` is gone: the rename that moved it may not have reached the disk before a crash.
    await syncDir(dirname(this.#path(to)));
    return moved;
  }

  async remove(path: string): Promise<void> {
    await unlinkIfPresent(this.#path(path));
    await syncDir(dirname(this.#path(path)));
  }

  async list(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(rel === "" ? this.#root : this.#path(rel), { withFileTypes: true });
      } catch (e) {
        if (errorCode(e) === "ENOENT" && rel === "") return;
        throw e;
      }
      for (const e of entries) {
        const p = rel === "" ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) await walk(p);
        else if (e.isFile()) out.push(p);
      }
    };
    await walk("");
    return out;
  }
}
