/// <reference types="node" />
// The directory lock of the filesystem store: one process at a time may open a store.
import { link, open, readFile, rename, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import process from "node:process";
import { StateStoreError } from "../../mod.ts";
import { errorCode, randomName } from "./_files.ts";

interface LockInfo {
  pid: number;
  host: string;
  /** When the lock was taken (ISO 8601), and when the holding process started: for humans reading it. */
  lockedAt: string;
  processStartedAt: string;
  /** Identifies this acquisition, so `release` never removes a lock some other open took over. */
  token: string;
}

/** A held lock; `release` removes the lock file if it is still ours. */
export interface DirLock {
  release(): Promise<void>;
}

/**
 * Takes `path` (the store's lock file) by creating it exclusively (`open(path, "wx")`), so of two racing
 * processes exactly one succeeds. The file records pid, host and times. A lock whose holder is a dead
 * process on this host is stale and taken over; a live holder, another host (a shared network disk, where
 * liveness cannot be checked) or an unreadable lock file fails with a StateStoreError naming the holder.
 */
export async function acquireLock(path: string): Promise<DirLock> {
  for (let attempt = 0;; attempt++) {
    const info: LockInfo = {
      pid: process.pid,
      host: hostname(),
      lockedAt: new Date().toISOString(),
      processStartedAt: new Date(Date.now() - process.uptime() * 1000).toISOString(),
      token: randomName(),
    };
    try {
      const handle = await open(path, "wx");
      try {
        await handle.writeFile(JSON.stringify(info));
        await handle.sync();
      } finally {
        await handle.close();
      }
      return { release: () => releaseLock(path, info.token) };
    } catch (e) {
      if (errorCode(e) !== "EEXIST") throw new StateStoreError(`Cannot create lock file ${path}`, { cause: e });
    }
    const text = await readFile(path, "utf8").catch((e) => (errorCode(e) === "ENOENT" ? undefined : Promise.reject(e)));
    if (text === undefined && attempt < 3) continue; // released meanwhile: try again
    const holder = parseLock(text);
    if (holder === undefined) {
      throw new StateStoreError(
        `Cannot open the state store as its lock file ${path} exists but is unreadable (a process may have died while ` +
          `taking it): if no process uses the store, delete the file`,
      );
    }
    const describe = `process ${holder.pid} on ${holder.host} (locked at ${holder.lockedAt})`;
    if (holder.host !== info.host || isAlive(holder.pid) || attempt >= 3) {
      throw new StateStoreError(`Cannot open the state store as it is locked by ${describe}: lock file ${path}`);
    }
    await takeOverStale(path, text!, describe);
  }
}

/**
 * Removes a stale lock without removing a fresh one another process created meanwhile: the lock is
 * renamed away first (atomic) and removed only if what was renamed is the stale content we judged.
 */
async function takeOverStale(path: string, staleText: string, describe: string): Promise<void> {
  const aside = `${path}.stale-${randomName()}`;
  try {
    await rename(path, aside);
  } catch (e) {
    if (errorCode(e) === "ENOENT") return; // someone else removed it first
    throw new StateStoreError(`Cannot take over the stale lock of ${describe}`, { cause: e });
  }
  const moved = await readFile(aside, "utf8");
  if (moved !== staleText) {
    // We moved a lock taken after our check: link it back (which, unlike rename, never replaces a lock
    // yet another process created meanwhile).
    await link(aside, path).then(() => unlink(aside)).catch(() => undefined);
    throw new StateStoreError(
      `Cannot open the state store as another process took over the stale lock of ${describe} at the same time`,
    );
  }
  await unlink(aside);
}

async function releaseLock(path: string, token: string): Promise<void> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (parseLock(text)?.token === token) await unlink(path);
}

function parseLock(text: string | undefined): LockInfo | undefined {
  if (text === undefined) return undefined;
  try {
    const info = JSON.parse(text) as Partial<LockInfo>;
    return Number.isInteger(info.pid) && typeof info.host === "string" && typeof info.token === "string"
      ? (info as LockInfo)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Signal 0 checks existence: ESRCH means no such process; EPERM means it exists under another user. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errorCode(e) === "EPERM";
  }
}
