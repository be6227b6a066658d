// The built-in combiners and the combiner contract.
export type { AnyCombiner, Combiner, CombinerResult } from "./combiner.ts";
export { count } from "./count.ts";
export { sum, type SumAccumulator } from "./sum.ts";
export { mean, type MeanAccumulator } from "./mean.ts";
export { type ExtremumAccumulator, min } from "./min.ts";
export { max } from "./max.ts";
export { type EventTimeAccumulator, first } from "./first.ts";
export { last } from "./last.ts";
export { collect, type CollectAccumulator } from "./collect.ts";
export { distinctCount, type DistinctCountOptions, type HyperLogLogAccumulator } from "./distinct_count.ts";
export { type KllAccumulator, quantiles, type QuantilesOptions } from "./quantiles.ts";
export { topK, type TopKAccumulator, type TopKEntry, type TopKOptions } from "./top_k.ts";
export {
  composeCombiners,
  type ComposedAccumulator,
  type ComposedInput,
  type ComposedResult,
  type InputOf,
  isCombiner,
} from "./compose.ts";
export {
  type AccumulatorOf,
  type Liftable,
  type LiftedResult,
  mergePartials,
  partial,
  type PartialAccumulator,
} from "./partial.ts";
