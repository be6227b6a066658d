// Where a job's checkpoints live in a StateStore. Everything of job `id` is under `ckpt/<id>/`, with
// the id percent-encoded so that it is one path segment:
//   ckpt/<id>/m/<seq>                  the manifest of checkpoint <seq> (present = complete)
//   ckpt/<id>/s/<seq>/<op>/<chunk>     chunk <chunk> of the state of the <op>-th operator
//   ckpt/<id>/r/<seq>/<chunk>          results a storeSink committed with checkpoint <seq>
// Sequence numbers and indexes are zero-padded, so that the store's key order is numeric order.

import { utf8ByteLength } from "../state/state_store_args.ts";

const SEQ_DIGITS = 12;
const MAX_ID_BYTES = 200;

export function pad(n: number, digits: number): string {
  return String(n).padStart(digits, "0");
}

/** Throws unless `id` can name a job. */
export function checkJobId(id: unknown, what: string): asserts id is string {
  if (typeof id !== "string" || id === "") {
    throw new TypeError(
      `Cannot ${what} as the job id must be a non-empty string: current value is ${JSON.stringify(id) ?? String(id)}`,
    );
  }
  const bytes = utf8ByteLength(encodeURIComponentSafe(id, what));
  if (bytes > MAX_ID_BYTES) {
    throw new RangeError(
      `Cannot ${what} as the job id must be at most ${MAX_ID_BYTES} bytes once percent-encoded: current length is ${bytes}`,
    );
  }
}

function encodeURIComponentSafe(id: string, what: string): string {
  try {
    return encodeURIComponent(id);
  } catch {
    throw new TypeError(`Cannot ${what} as the job id ${JSON.stringify(id)} holds a lone surrogate`);
  }
}

/** The keys of one job's checkpoints. */
export class Layout {
  readonly root: string;
  readonly manifests: string;
  readonly states: string;
  readonly results: string;

  constructor(readonly job: string) {
    this.root = `ckpt/${encodeURIComponent(job)}/`;
    this.manifests = this.root + "m/";
    this.states = this.root + "s/";
    this.results = this.root + "r/";
  }

  manifest(seq: number): string {
    return this.manifests + pad(seq, SEQ_DIGITS);
  }

  stateDir(seq: number): string {
    return this.states + pad(seq, SEQ_DIGITS) + "/";
  }

  state(seq: number, op: number, chunk: number): string {
    return this.stateDir(seq) + pad(op, 4) + "/" + pad(chunk, 6);
  }

  resultDir(seq: number): string {
    return this.results + pad(seq, SEQ_DIGITS) + "/";
  }

  result(seq: number, chunk: number): string {
    return this.resultDir(seq) + pad(chunk, 6);
  }

  /** The sequence number in a key under `dir` (one of the three areas), or -1 for a foreign key. */
  seqOf(key: string, dir: string): number {
    const s = key.slice(dir.length, dir.length + SEQ_DIGITS);
    return key.startsWith(dir) && /^\d{12}$/.test(s) ? Number(s) : -1;
  }
}
