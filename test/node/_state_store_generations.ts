// The data of the state store crash test: generation g of a store is one batch that rewrites every key,
// so after any crash the store must hold exactly one generation (or none), never a mix.
import type { StateStore, StateStoreOp } from "../../src/state/mod.ts";

const KEYS = 60;

/** Key i of generation g: sizes from 1 KiB to 250 KiB (one batch exceeds a Deno KV commit), content unique to (g, i). */
function value(g: number, i: number): Uint8Array {
  const size = i % 15 === 0 ? 250 * 1024 + g : 1024 + 37 * i;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, g);
  let x = (g * 7919 + i * 104_729) | 1;
  for (let j = 4; j < size; j++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[j] = x & 0xff;
  }
  return out;
}

/** The batch of generation g; key "odd" exists only in odd generations, so deletes are covered too. */
export function generationOps(g: number): StateStoreOp[] {
  const ops: StateStoreOp[] = Array.from(
    { length: KEYS },
    (_, i) => ({ type: "put", key: `gen/${String(i).padStart(2, "0")}`, value: value(g, i) }),
  );
  ops.push(g % 2 === 1 ? { type: "put", key: "gen/odd", value: value(g, 99) } : { type: "delete", key: "gen/odd" });
  return ops;
}

/** The generation `store` holds; throws when it holds a mix of generations or damaged values. */
export async function storedGeneration(store: StateStore): Promise<number> {
  const first = await store.get("gen/00");
  if (first === undefined) {
    const keys = await store.list("gen/");
    if (keys.length > 0) throw new Error(`no generation, yet keys ${keys.join(", ")} exist`);
    return 0;
  }
  const g = new DataView(first.buffer, first.byteOffset).getUint32(0);
  const expected = new Map<string, Uint8Array>();
  for (const op of generationOps(g)) if (op.type === "put") expected.set(op.key, op.value);
  const keys = await store.list("gen/");
  if (keys.join() !== [...expected.keys()].sort().join()) {
    throw new Error(`generation ${g} expects keys ${[...expected.keys()]}, found ${keys}`);
  }
  for (const [key, want] of expected) {
    const got = await store.get(key);
    if (got === undefined || got.length !== want.length || got.some((b, j) => b !== want[j])) {
      throw new Error(
        `${key} does not hold generation ${g} (found ${
          got ? new DataView(got.buffer, got.byteOffset).getUint32(0) : "nothing"
        })`,
      );
    }
  }
  return g;
}
