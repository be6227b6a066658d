// Whether a checkpoint fits the pipeline it is restored into, and if not, exactly what differs.

interface Described {
  id: string;
  signature: string;
}

function parse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** Paths (`assigner.size`) where two parsed signatures differ, with both values. */
function diff(a: unknown, b: unknown, path: string, out: string[]): void {
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  const isObj = (x: unknown) => typeof x === "object" && x !== null;
  if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    for (const k of keys) {
      diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path === "" ? k : `${path}.${k}`, out);
    }
    return;
  }
  const show = (x: unknown) => (x === undefined ? "absent" : JSON.stringify(x));
  out.push(
    `${path === "" ? "its configuration" : path} is ${show(a)} in the checkpoint and ${show(b)} in this pipeline`,
  );
}

/** The differences between the operators of a checkpoint and of the pipeline; empty when compatible. */
export function incompatibilities(checkpoint: readonly Described[], pipeline: readonly Described[]): string[] {
  const out: string[] = [];
  const now = new Map(pipeline.map((o) => [o.id, o.signature]));
  const then = new Map(checkpoint.map((o) => [o.id, o.signature]));
  for (const [id, sig] of then) {
    const cur = now.get(id);
    if (cur === undefined) out.push(`operator "${id}" is in the checkpoint but not in this pipeline`);
    else if (cur !== sig) {
      const parts: string[] = [];
      diff(parse(sig), parse(cur), "", parts);
      out.push(`operator "${id}" is configured differently: ${parts.join("; ")}`);
    }
  }
  for (const id of now.keys()) {
    if (!then.has(id)) out.push(`operator "${id}" is in this pipeline but not in the checkpoint`);
  }
  return out;
}
