// The one place this adapter reaches into weir's core. Everything comes from the public surface
// (mod.ts) except the checkpoint options, which mod.ts does not export yet.
export {
  DecodeError,
  InvalidElementError,
  type LateInfo,
  NdjsonDecoderStream,
  type NdjsonRecord,
  resultId,
  type Source,
  type SourceEvent,
  type StateStore,
  StateStoreError,
  type StateStoreLimits,
  type StateStoreOp,
  type Stream,
  stream,
  WeirError,
  type WindowResult,
} from "../../mod.ts";
export type { CheckpointInfo, CheckpointOptions } from "../../src/checkpoint/mod.ts";
