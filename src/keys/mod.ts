/**
 * The canonical encoding of keys and values, shared by grouping, result ids, distinctCount() and
 * topK(). Internal to weir: the root entry does not export it.
 *
 * @module
 */
export { canonicalJson } from "./canonical_json.ts";
export { canonicalKey } from "./canonical_key.ts";
export { groupingKey } from "./grouping_key.ts";
