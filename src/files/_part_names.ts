// Names of a file sink's files, inside their partition directory:
//   .<prefix>-<uuid>.inprogress            being written, or written and not yet committed
//   <prefix>-<seq>-<n>.<ext>               committed with checkpoint <seq> (12 digits), n-th of it (6+ digits)
//   <prefix>-<uuid>-<n>.<ext>              committed when a sink without checkpoints closed
// A committed name depends only on the checkpoint and the part's place in it, so committing the same
// checkpoint again renames onto the same name, never beside it.

const PREFIX = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** Throws unless `prefix` can start part file names. */
export function checkPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== "string" || !PREFIX.test(prefix) || prefix.length > 100) {
    throw new TypeError(
      `Cannot create fileSink as prefix must be 1 to 100 letters, digits, "_" or "-", starting with a letter or digit: current value is ${
        JSON.stringify(prefix) ?? String(prefix)
      }`,
    );
  }
}

const join = (dir: string, name: string): string => (dir === "" ? name : `${dir}/${name}`);
const baseName = (path: string): string => path.slice(path.lastIndexOf("/") + 1);

export class PartNames {
  readonly #prefix: string;
  readonly #ext: string;
  readonly #temp: RegExp;
  readonly #committed: RegExp;

  constructor(prefix: string, ext: string) {
    this.#prefix = prefix;
    this.#ext = ext;
    this.#temp = new RegExp(`^\\.${prefix}-[0-9a-f-]{36}\\.inprogress$`);
    this.#committed = new RegExp(`^${prefix}-(\\d{12})-\\d{6,}\\.(?:ndjson|csv)$`);
  }

  temp(dir: string): string {
    return join(dir, `.${this.#prefix}-${crypto.randomUUID()}.inprogress`);
  }

  /** The committed name of the n-th part of checkpoint `seq`, or of a run without checkpoints (`run`). */
  committed(dir: string, seq: number | string, n: number): string {
    const id = typeof seq === "number" ? String(seq).padStart(12, "0") : seq;
    return join(dir, `${this.#prefix}-${id}-${String(n).padStart(6, "0")}${this.#ext}`);
  }

  isTemp(path: string): boolean {
    return this.#temp.test(baseName(path));
  }

  /** The checkpoint a committed part belongs to; -1 for any other file. */
  seqOf(path: string): number {
    const m = this.#committed.exec(baseName(path));
    return m === null ? -1 : Number(m[1]);
  }
}
