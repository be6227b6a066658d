// The entry layout of AtomicKvStateStore inside an AtomicKvBackend. Four namespaces, told apart by the
// first character of the backend key:
//   "h" + mapKey(key)           header of a user key: 0x00 + the value itself (inline), or
//                               0x01 + JSON BlobRef when the value lives in chunks
//   "c" + blobId + "/" + index  one chunk of a blob (blob ids are random and never reused)
//   "p" + batchId               pending marker: blobs a multi-commit batch is writing (JSON BlobRef[])
//   "g" + batchId               garbage marker: blobs a committed batch replaced (JSON BlobRef[])
// list() reads only the "h" namespace, so chunks and markers never show up as keys.

/** A value stored in chunks: `n` chunks of blob `id` holding `size` bytes in total. */
export interface BlobRef {
  readonly id: string;
  readonly n: number;
  readonly size: number;
}

export type Header = { readonly inline: Uint8Array } | { readonly blob: BlobRef };

/** Upper bound of an encoded blob header, used when sizing commits before ids are known. */
export const MAX_BLOB_HEADER_BYTES = 96;

const INLINE = 0;
const BLOB = 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const HIGH = /[\ud800-\uffff]/;

/**
 * Maps a key to a well-formed string whose code-point order equals the key's code-unit order: units below
 * U+D800 stay, units from U+D800 up move by +0x800 (to U+E000..U+107FF), so surrogates become ordinary
 * characters and sort after U+D7FF, exactly as code units do.
 */
export function mapKey(key: string): string {
  if (!HIGH.test(key)) return key;
  let out = "";
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    out += c < 0xd800 ? key[i] : String.fromCodePoint(c + 0x800);
  }
  return out;
}

export function unmapKey(mapped: string): string {
  if (!HIGH.test(mapped)) return mapped;
  let out = "";
  for (const ch of mapped) {
    const cp = ch.codePointAt(0)!;
    out += String.fromCharCode(cp < 0xd800 ? cp : cp - 0x800);
  }
  return out;
}

export const headerKey = (key: string): string => "h" + mapKey(key);
export const chunkPrefix = (id: string): string => "c" + id + "/";
/** The end of a chunk prefix range: "0" is the character after "/". */
export const chunkPrefixEnd = (id: string): string => "c" + id + "0";
export const chunkKey = (id: string, index: number): string => chunkPrefix(id) + index.toString(16).padStart(8, "0");
export const pendingKey = (batchId: string): string => "p" + batchId;
export const garbageKey = (batchId: string): string => "g" + batchId;

export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

export function encodeInline(value: Uint8Array): Uint8Array {
  const out = new Uint8Array(value.length + 1);
  out[0] = INLINE;
  out.set(value, 1);
  return out;
}

export function encodeBlobHeader(blob: BlobRef): Uint8Array {
  const json = encoder.encode(JSON.stringify(blob));
  const out = new Uint8Array(json.length + 1);
  out[0] = BLOB;
  out.set(json, 1);
  return out;
}

/** Decodes a header; throws on bytes this layout never writes (the caller reports corruption). */
export function decodeHeader(bytes: Uint8Array): Header {
  if (bytes[0] === INLINE) return { inline: bytes.subarray(1) };
  if (bytes[0] === BLOB) {
    const blob = JSON.parse(decoder.decode(bytes.subarray(1))) as BlobRef;
    if (typeof blob.id === "string" && Number.isInteger(blob.n) && Number.isInteger(blob.size)) return { blob };
  }
  throw new TypeError(`unknown state header tag ${bytes[0]}`);
}

export function encodeBlobList(blobs: readonly BlobRef[]): Uint8Array {
  return encoder.encode(JSON.stringify(blobs));
}

export function decodeBlobList(bytes: Uint8Array): BlobRef[] {
  return JSON.parse(decoder.decode(bytes)) as BlobRef[];
}
