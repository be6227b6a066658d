// The demo's job, shared by `npm start` (one process, examples/demo/main.ts) and `npm run demo:cluster`
// (3 workers over NATS JetStream, examples/cluster/): page views counted per country in 10 s event-time
// windows with early firings every second and late panes for views up to 30 s late.
import { afterProcessingTime, afterWatermark, count, type LateInfo, type Stream, tumbling } from "../../mod.ts";
import type { PageView } from "./generator.ts";

/** Bound on disorder (ms): the watermark trails the largest event time seen by this much. */
export const MAX_OUT_OF_ORDERNESS = 2_000;
/** When views stop coming for this long (ms), the watermark moves on with the clock and the last windows close. */
export const IDLE_TIMEOUT = 5_000;

/** The windowed count per country, on views that already carry their event time. */
export function viewsPerCountry(views: Stream<PageView>, onLate: (view: PageView, info: LateInfo) => void) {
  return views
    .keyBy((v) => v.country)
    .window(tumbling(10_000), {
      trigger: afterWatermark({ early: afterProcessingTime(1_000), late: afterProcessingTime(1_000) }),
      allowedLateness: 30_000,
      accumulation: "accumulating",
      onLate,
    })
    .aggregate(count());
}

/** What `POST /events` accepts: a country (2 capital letters) and a page (a Standard Schema). */
export const pageViewSchema = {
  "~standard": {
    version: 1 as const,
    vendor: "weir-demo",
    validate: (v: unknown) => {
      const e = v as Partial<PageView> | null;
      return typeof e?.country === "string" && /^[A-Z]{2}$/.test(e.country) && typeof e.page === "string"
        ? { value: e as PageView }
        : { issues: [{ message: "a page view needs country (2 capital letters) and page (a string)" }] };
    },
  },
};
