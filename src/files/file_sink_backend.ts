// The port a file sink needs from a file system: the core writes part files through it, and adapters
// supply it (node:fs/promises in weirjs/adapters/fs, the Origin Private File System in
// weirjs/adapters/opfs), as Hono's adapters supply serve-static's file access.

/** A file being written by a file sink. */
export interface FileSinkFile {
  /** Appends `bytes`; calls never overlap. */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * Closes the file. When it resolves, its bytes and its directory entry must be durable: a checkpoint
   * that names the file is written only afterwards.
   */
  close(): Promise<void>;
}

/**
 * A directory a file sink writes into. Paths are relative to it, `/`-separated, with no `.` or `..`
 * segments; the sink's own names (part files and their temporary names) are plain ASCII.
 */
export interface FileSinkBackend {
  /** Creates (or truncates) the file at `path`, creating missing parent directories, for writing. */
  create(path: string): Promise<FileSinkFile>;
  /**
   * Renames `from` to `to` (always in the same directory), replacing `to`. When it resolves the rename
   * must be durable. Resolves false, doing nothing, when `from` does not exist (an earlier commit moved it).
   */
  rename(from: string, to: string): Promise<boolean>;
  /** Removes the file at `path`; nothing when it does not exist. */
  remove(path: string): Promise<void>;
  /** The path of every file under the directory, in subdirectories too, in any order. */
  list(): Promise<string[]>;
}
