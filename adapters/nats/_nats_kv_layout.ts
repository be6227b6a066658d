// The entries of a NatsKvStateStore inside a NATS KV bucket, all under the store's key prefix P:
//   P.h                      head: the commit point and the fence (see NatsKvStateStore). Bytes:
//                            u32 BE meta length | meta JSON | the last batch's log, when it fits here
//   P.d.k<hex>               header of state key <key> (<hex> = its UTF-8 bytes in lowercase hex):
//                            0x00 + the value itself, or 0x01 + JSON BlobRef when the value is in chunks
//   P.c.k<hex>.<blob>.<i>    chunk <i> (8 hex digits) of blob <blob> (16 random hex digits) of that key
//   P.l.<batch>.<i>          part <i> of the log of batch <batch>, when it does not fit the head
// NATS KV keys allow only [-/_=.a-zA-Z0-9]; hex keeps any state key ("" and "\u{1f600}" included) one token.
// The log of a batch is the list of header mutations: u32 key length | NATS key | u32 value length
// (0xffffffff for a delete) | value, repeated.

/** A value kept in chunks: `n` chunks of blob `id` holding `size` bytes. */
export interface BlobRef {
  readonly id: string;
  readonly n: number;
  readonly size: number;
}

export type Header = { readonly inline: Uint8Array } | { readonly blob: BlobRef };

/** What the head records besides the log. */
export interface HeadMeta {
  readonly v: 1;
  /** The owner's token: whoever last claimed the store. */
  readonly owner: string;
  /** Commits made so far (0 after the first claim). */
  readonly gen: number;
  /** The last committed batch, whose log the head holds or names; null before the first. */
  readonly batch: string | null;
  /** Number of `P.l.<batch>.<i>` parts of its log; 0 when the log is in the head. */
  readonly parts: number;
}

export interface LogMutation {
  /** The NATS key (without the store prefix), `d.k<hex>`. */
  readonly key: string;
  /** The header to write, or undefined to delete. */
  readonly value: Uint8Array | undefined;
}

const encoder = new TextEncoder();
// ignoreBOM: a key that starts with U+FEFF keeps it (the default strips it as a byte-order mark).
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const DELETE = 0xffffffff;
const INLINE = 0;
const BLOB = 1;

export function keyToken(key: string): string {
  let hex = "k";
  for (const b of encoder.encode(key)) hex += b.toString(16).padStart(2, "0");
  return hex;
}

export function tokenKey(token: string): string {
  const bytes = new Uint8Array((token.length - 1) / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(token.slice(1 + 2 * i, 3 + 2 * i), 16);
  return decoder.decode(bytes);
}

export const HEAD = "h";
export const dataKey = (token: string): string => `d.${token}`;
export const chunkKey = (token: string, id: string, i: number): string =>
  `c.${token}.${id}.${i.toString(16).padStart(8, "0")}`;
export const blobFilter = (token: string, id: string): string => `c.${token}.${id}.>`;
export const logKey = (batch: string, i: number): string => `l.${batch}.${i.toString(16).padStart(8, "0")}`;
export const logFilter = (batch: string): string => `l.${batch}.>`;

export function randomId(): string {
  let s = "";
  for (const b of crypto.getRandomValues(new Uint8Array(8))) s += b.toString(16).padStart(2, "0");
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

/** Decodes a header; throws on bytes this layout never writes (the caller reports the damage). */
export function decodeHeader(bytes: Uint8Array): Header {
  if (bytes[0] === INLINE) return { inline: bytes.subarray(1) };
  if (bytes[0] === BLOB) {
    const blob = JSON.parse(decoder.decode(bytes.subarray(1))) as BlobRef;
    if (typeof blob.id === "string" && Number.isInteger(blob.n) && Number.isInteger(blob.size)) return { blob };
  }
  throw new TypeError(`unknown state header tag ${bytes[0]}`);
}

export function encodeHead(meta: HeadMeta, log: Uint8Array): Uint8Array {
  const json = encoder.encode(JSON.stringify(meta));
  const out = new Uint8Array(4 + json.length + log.length);
  new DataView(out.buffer).setUint32(0, json.length);
  out.set(json, 4);
  out.set(log, 4 + json.length);
  return out;
}

export function decodeHead(bytes: Uint8Array): { meta: HeadMeta; log: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(0);
  const meta = JSON.parse(decoder.decode(bytes.subarray(4, 4 + length))) as HeadMeta;
  if (
    meta.v !== 1 || typeof meta.owner !== "string" || !Number.isInteger(meta.gen) ||
    (meta.batch !== null && typeof meta.batch !== "string") || !Number.isInteger(meta.parts)
  ) {
    throw new TypeError(`not a weir head record: ${JSON.stringify(meta)}`);
  }
  return { meta, log: bytes.subarray(4 + length) };
}

export function encodeLog(mutations: readonly LogMutation[]): Uint8Array {
  const keys = mutations.map((m) => encoder.encode(m.key));
  let size = 0;
  mutations.forEach((m, i) => (size += 8 + keys[i]!.length + (m.value?.length ?? 0)));
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  mutations.forEach((m, i) => {
    const key = keys[i]!;
    view.setUint32(at, key.length);
    out.set(key, at + 4);
    at += 4 + key.length;
    view.setUint32(at, m.value === undefined ? DELETE : m.value.length);
    at += 4;
    if (m.value !== undefined) {
      out.set(m.value, at);
      at += m.value.length;
    }
  });
  return out;
}

export function decodeLog(bytes: Uint8Array): LogMutation[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: LogMutation[] = [];
  let at = 0;
  while (at < bytes.length) {
    const keyLength = view.getUint32(at);
    const key = decoder.decode(bytes.subarray(at + 4, at + 4 + keyLength));
    at += 4 + keyLength;
    const valueLength = view.getUint32(at);
    at += 4;
    if (valueLength === DELETE) out.push({ key, value: undefined });
    else {
      if (at + valueLength > bytes.length) throw new RangeError("log is cut short");
      out.push({ key, value: bytes.slice(at, at + valueLength) });
      at += valueLength;
    }
  }
  return out;
}
