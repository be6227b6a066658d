// Names shared by the cluster demo's processes: the launcher (main.ts), the workers (worker.ts) and the
// page server's view of the results (_cluster_view.ts).

/** The job: its input subjects are `demo.in.pageviews.<p>`, its partition jobs `pageviews-p<p>`. */
export const JOB = "pageviews";
/** Number of partitions P, fixed when the job is created. */
export const PARTITIONS = 12;
/** Number of worker processes. */
export const WORKERS = 3;
/** The R3 input stream and the prefix of its subjects. */
export const INPUT_STREAM = "PAGEVIEWS";
export const INPUT_PREFIX = "demo.in";
/** The R3 result stream: the workers' jetStreamSink publishes there, de-duplicated by result id. */
export const RESULT_STREAM = "PAGEVIEW_RESULTS";
export const RESULT_SUBJECT = "demo.results.pageviews";
/** The R3 KV bucket of the partitions' checkpoints. */
export const BUCKET = "weir-demo-checkpoints";
/** Each worker publishes its statistics to `demo.stats.<index>` (core NATS, every second). */
export const STATS_PREFIX = "demo.stats";
/** Replicas of the streams and the bucket. */
export const REPLICAS = 3;

/** What a worker reports every second (JSON: no Infinity, so "none yet" is null). */
export interface WorkerStats {
  index: number;
  partitions: number[];
  eventsIn: number;
  lateEvents: number;
  /** Smallest watermark of its partitions that received events recently (epoch ms), or null. */
  watermark: number | null;
  maxEventTime: number | null;
  lastCheckpointAt: number | null;
}
