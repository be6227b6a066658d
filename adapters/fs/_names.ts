// Key <-> file name. Names use only "k", "h" and lowercase hex, so they are safe on every filesystem:
// no separators or dots (no path traversal), no case distinctions (case-insensitive filesystems), no
// reserved Windows names, and at most 201 characters (under the usual 255-byte limit).
//   "k" + hex(UTF-8 of key)      keys of at most 100 UTF-8 bytes: the name alone gives the key back
//   "h" + hex(SHA-256 of key)    longer keys: the file's header holds the key (see encodeDataFile)

const encoder = new TextEncoder();
const DIRECT_MAX_BYTES = 100;
const MAGIC = [0x57, 0x53, 0x56, 0x31]; // "WSV1"

export async function fileNameOf(key: string): Promise<string> {
  const bytes = encoder.encode(key);
  if (bytes.length <= DIRECT_MAX_BYTES) return "k" + hex(bytes);
  return "h" + hex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

/** The key a "k" name encodes; `undefined` for "h" names (read the file) and names this store never writes. */
export function keyOfName(name: string): string | undefined {
  if (!/^k(?:[0-9a-f]{2})*$/.test(name)) return undefined;
  const bytes = new Uint8Array((name.length - 1) / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(name.slice(1 + 2 * i, 3 + 2 * i), 16);
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

export const isHashedName = (name: string): boolean => /^h[0-9a-f]{64}$/.test(name);

/** A data file: "WSV1", the key's UTF-8 length (u32, big-endian), the key, then the value. */
export function encodeDataHeader(key: string): Uint8Array {
  const k = encoder.encode(key);
  const out = new Uint8Array(8 + k.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(4, k.length);
  out.set(k, 8);
  return out;
}

/** Splits a data file into key and value; throws when it is not one (the caller reports corruption). */
export function decodeDataFile(file: Uint8Array): { key: string; value: Uint8Array } {
  if (file.length < 8 || MAGIC.some((m, i) => file[i] !== m)) throw new TypeError("missing WSV1 header");
  const length = new DataView(file.buffer, file.byteOffset, file.byteLength).getUint32(4);
  if (8 + length > file.length) throw new TypeError("truncated key");
  const key = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(file.subarray(8, 8 + length));
  return { key, value: new Uint8Array(file.subarray(8 + length)) };
}

function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}
