import { backedFileSink, type FileSinkOptions, type FileSinkPending, type TwoPhaseCommitSink } from "../../mod.ts";
import { type DirectoryHandle, OpfsFileSinkBackend } from "./_opfs_backend.ts";

interface StorageWithDirectory {
  getDirectory(): Promise<DirectoryHandle>;
}

/** The directory at `path` ("a/b") under the origin's private root, created when missing. */
async function resolve(path: string): Promise<DirectoryHandle> {
  const storage = (globalThis as { navigator?: { storage?: Partial<StorageWithDirectory> } }).navigator?.storage;
  if (typeof storage?.getDirectory !== "function") {
    throw new TypeError(
      "Cannot open the Origin Private File System as navigator.storage.getDirectory is not available here: opfsFileSink runs in browsers (secure contexts)",
    );
  }
  let dir = await storage.getDirectory();
  for (const s of path.split("/")) if (s !== "") dir = await dir.getDirectoryHandle(s, { create: true });
  return dir;
}

/**
 * Writes results as rolling part files into the browser's Origin Private File System, exactly once with
 * checkpoints: the same sink as `fileSink` from `weirjs/adapters/fs` (same layout, formats and options;
 * see `backedFileSink` in "weirjs"), over `navigator.storage.getDirectory()`. `dir` is a path under the
 * origin's private root ("results/clicks", created when missing) or a `FileSystemDirectoryHandle`. Parts
 * are written with `createWritable()` under temporary names and moved into place with `move()` once the
 * checkpoint that covers them is durable; pair it with an IndexedDB state store
 * (`weirjs/adapters/idb`) so that the checkpoints outlive the page too. Nothing touches OPFS until the
 * job starts.
 *
 * @example Hourly part files in the Origin Private File System
 * ```ts ignore
 * import { count, stream, tumbling } from "weirjs";
 * import { IdbStateStore } from "weirjs/adapters/idb";
 * import { opfsFileSink } from "weirjs/adapters/opfs";
 *
 * const store = await IdbStateStore.open("weir-clicks");
 * await stream([{ page: "/", ts: 1_000 }, { page: "/a", ts: 2_000 }])
 *   .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
 *   .keyBy((e) => e.page)
 *   .window(tumbling(60_000))
 *   .aggregate(count())
 *   .checkpoint({ store, id: "clicks", every: { ms: 1_000 } })
 *   .pipeTo(opfsFileSink("results/clicks", { format: "csv" }));
 * const root = await navigator.storage.getDirectory();
 * const hour = await root.getDirectoryHandle("results").then((d) => d.getDirectoryHandle("clicks"))
 *   .then((d) => d.getDirectoryHandle("date=1970-01-01")).then((d) => d.getDirectoryHandle("hour=00"));
 * const part = await (await hour.getFileHandle("part-000000000000-000000.csv")).getFile();
 * console.log(await part.text()); // key,window.start,...\r\n/,0,60000,...
 * ```
 */
export function opfsFileSink<T = unknown>(
  dir: string | FileSystemDirectoryHandle,
  options: FileSinkOptions<T> = {},
): TwoPhaseCommitSink<T, FileSinkPending> {
  let root: () => Promise<DirectoryHandle>;
  if (typeof dir === "string") {
    if (dir.split("/").some((s) => s === "." || s === "..")) {
      throw new TypeError(
        `Cannot create opfsFileSink as dir must be a path under the private root without "." or "..": current value is ${
          JSON.stringify(dir)
        }`,
      );
    }
    let resolved: Promise<DirectoryHandle> | undefined;
    root = () => (resolved ??= resolve(dir));
  } else if (typeof dir === "object" && dir !== null && typeof dir.getDirectoryHandle === "function") {
    const handle = dir as unknown as DirectoryHandle;
    root = () => Promise.resolve(handle);
  } else {
    throw new TypeError(
      `Cannot create opfsFileSink as dir must be a path or a FileSystemDirectoryHandle: current value is ${
        String(dir)
      }`,
    );
  }
  return backedFileSink<T>(new OpfsFileSinkBackend(root), options);
}
