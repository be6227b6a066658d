// The framing of every store entry a checkpoint writes: a 16-byte header, then the payload.
//   0..3   "WCK" and the format version (1)
//   4      kind (manifest, state chunk, result chunk)
//   5..7   zero
//   8..11  payload length (uint32, little-endian)
//   12..15 CRC-32 of bytes 0..11 and the payload
// An entry is self-checking: a truncated, extended or altered one fails `openEntry`, also where no
// manifest lists it any more (committed results outlive their checkpoint's manifest).

import { crc32 } from "./_crc32.ts";

export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 16;

export const MANIFEST = 1, STATE = 2, RESULTS = 3;
const KIND_NAMES = ["", "manifest", "state chunk", "result chunk"];

/** Frames `payload`; returns the entry and its CRC (which the manifest records). */
export function sealEntry(kind: number, payload: Uint8Array): { entry: Uint8Array; crc: number } {
  const entry = new Uint8Array(HEADER_BYTES + payload.length);
  entry[0] = 0x57, entry[1] = 0x43, entry[2] = 0x4b, entry[3] = FORMAT_VERSION;
  entry[4] = kind;
  const view = new DataView(entry.buffer);
  view.setUint32(8, payload.length, true);
  entry.set(payload, HEADER_BYTES);
  const crc = crc32(payload, crc32(entry.subarray(0, 12)));
  view.setUint32(12, crc, true);
  return { entry, crc };
}

/** Checks an entry read back; returns its payload and CRC, or throws an Error saying what is wrong. */
export function openEntry(kind: number, entry: Uint8Array): { payload: Uint8Array; crc: number } {
  if (entry.length < HEADER_BYTES) throw new Error(`it is ${entry.length} bytes long, shorter than its header`);
  if (entry[0] !== 0x57 || entry[1] !== 0x43 || entry[2] !== 0x4b) {
    throw new Error("it does not start with the checkpoint entry signature");
  }
  if (entry[3] !== FORMAT_VERSION) {
    throw new Error(`it has format version ${entry[3]}, and this version of weir reads version ${FORMAT_VERSION}`);
  }
  if (entry[4] !== kind) {
    throw new Error(`it is a ${KIND_NAMES[entry[4]!] ?? `kind ${entry[4]}`} entry where a ${KIND_NAMES[kind]} belongs`);
  }
  const view = new DataView(entry.buffer, entry.byteOffset, entry.byteLength);
  const length = view.getUint32(8, true);
  if (length !== entry.length - HEADER_BYTES) {
    throw new Error(
      `its header announces ${length} payload bytes but it holds ${
        entry.length - HEADER_BYTES
      } (truncated or extended)`,
    );
  }
  const payload = entry.subarray(HEADER_BYTES);
  const crc = crc32(payload, crc32(entry.subarray(0, 12)));
  if (crc !== view.getUint32(12, true)) throw new Error("its checksum does not match its bytes (they were altered)");
  return { payload, crc };
}
