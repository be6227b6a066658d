/// <reference types="node" />
// File primitives of the filesystem store: durable writes and directory fsyncs.
import { open, rename, unlink } from "node:fs/promises";

/** Writes `parts` to a new file at `path` (which must not exist) and fsyncs it before returning. */
export async function writeDurably(path: string, parts: readonly Uint8Array[]): Promise<void> {
  const handle = await open(path, "wx");
  try {
    for (const part of parts) {
      let at = 0;
      while (at < part.length) at += (await handle.write(part, at, part.length - at)).bytesWritten;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Makes the directory entries of `dir` (created, renamed or removed files) durable. Windows cannot open
 * a directory: there the renames stay atomic, but their durability is the operating system's.
 */
export async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
  } catch (e) {
    if (errorCode(e) === "EISDIR" || errorCode(e) === "EPERM") return;
    throw e;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Renames `from` to `to`; false when `from` no longer exists (an earlier replay moved it). */
export async function renameIfPresent(from: string, to: string): Promise<boolean> {
  try {
    await rename(from, to);
    return true;
  } catch (e) {
    if (errorCode(e) === "ENOENT") return false;
    throw e;
  }
}

export async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (e) {
    if (errorCode(e) !== "ENOENT") throw e;
  }
}

export function errorCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : undefined;
}

/** Runs `fn` over `items` with at most `limit` calls in flight (fsyncs overlap, descriptors stay few). */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export function randomName(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
