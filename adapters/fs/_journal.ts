/// <reference types="node" />
// The batch journal of the filesystem store: how a batch over many files becomes atomic.
//
// 1. Every value of the batch is written to its own file in tmp/ and fsynced.
// 2. The journal (JSON: for each key's file, the tmp file to rename onto it, or nothing for a delete) is
//    written to tmp/, fsynced, and renamed to <dir>/journal; fsyncing <dir> makes it durable. THIS RENAME
//    IS THE COMMIT POINT: before it nothing of the batch is visible, after it the batch will be applied.
// 3. The journal is applied (renames into data/, unlinks), data/ is fsynced, the journal is removed and
//    <dir> fsynced again (so an old journal can never be replayed over later writes).
// Opening a store replays a journal left by a crash. Replay is idempotent: a tmp file that is already
// gone was already renamed, and unlinking a missing file does nothing.
import { readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { StateStoreError } from "../../mod.ts";
import { errorCode, forEachLimited, renameIfPresent, syncDir, unlinkIfPresent, writeDurably } from "./_files.ts";

/** One file of a batch: `tmp` is renamed onto data/`name`; without `tmp`, data/`name` is removed. */
export interface JournalOp {
  readonly name: string;
  readonly tmp?: string;
}

const SAFE_NAME = /^[a-z0-9-]{1,240}$/;
const PARALLEL_FILE_OPS = 16;

export const journalPath = (dir: string): string => join(dir, "journal");

/** Step 2: commits the batch. When this resolves the batch is durable; when it rejects it may not be. */
export async function commitJournal(dir: string, ops: readonly JournalOp[], tmpName: string): Promise<void> {
  const tmp = join(dir, "tmp", tmpName);
  await writeDurably(tmp, [new TextEncoder().encode(JSON.stringify({ version: 1, ops }))]);
  await rename(tmp, journalPath(dir));
  await syncDir(dir);
}

/** Step 3, also used for replay after a crash. */
export async function applyJournal(dir: string, ops: readonly JournalOp[]): Promise<void> {
  const data = join(dir, "data");
  await forEachLimited(ops, PARALLEL_FILE_OPS, async (op) => {
    if (op.tmp === undefined) await unlinkIfPresent(join(data, op.name));
    else await renameIfPresent(join(dir, "tmp", op.tmp), join(data, op.name));
  });
  await syncDir(data);
  await unlink(journalPath(dir));
  await syncDir(dir);
}

/** Replays the journal a crash left, if any. Returns whether there was one. */
export async function replayJournal(dir: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(journalPath(dir), "utf8");
  } catch (e) {
    if (errorCode(e) === "ENOENT") return false;
    throw e;
  }
  // The journal was fsynced before it got its name, so it is complete; anything else is damage.
  let ops: JournalOp[];
  try {
    const parsed = JSON.parse(text) as { version?: unknown; ops?: JournalOp[] };
    if (parsed.version !== 1 || !Array.isArray(parsed.ops)) throw new TypeError("not a version 1 journal");
    for (const op of parsed.ops) {
      if (!SAFE_NAME.test(op.name) || (op.tmp !== undefined && !SAFE_NAME.test(op.tmp))) {
        throw new TypeError(`unsafe file name in ${JSON.stringify(op)}`);
      }
    }
    ops = parsed.ops;
  } catch (cause) {
    throw new StateStoreError(
      `Cannot open the state store in ${dir} as its batch journal is damaged; the store needs repair ` +
        `(its data/ directory holds the values as of before or during that batch)`,
      { cause },
    );
  }
  await applyJournal(dir, ops);
  return true;
}
