// The page server's view of the cluster's job, as a ServedJob for createWeirApp: the result feed is filled
// from the result stream (an ordered consumer from its start; the feed drops a result id it already
// holds), and the statistics combine what the workers report on `demo.stats.*` (the watermark is the
// smallest of theirs, counts are summed) with the pane counts of the results read.
/// <reference types="node" />
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { WindowResult } from "../../mod.ts";
import { type LiveJobStats, ResultFeed, type ServedJob } from "../../src/live/mod.ts";
import type { PageView } from "../demo/generator.ts";
import { JOB, RESULT_STREAM, STATS_PREFIX, type WorkerStats } from "./_config.ts";

/** A report older than this (ms) is from a worker that stopped: it no longer counts for the watermark. */
const STALE_MS = 5_000;

export interface ClusterView {
  readonly job: ServedJob<PageView>;
  /** Results read from the result stream. */
  readonly results: number;
  close(): Promise<void>;
}

export async function clusterView(nc: NatsConnection): Promise<ClusterView> {
  const feed = new ResultFeed({ job: JOB });
  const panes = { early: 0, "on-time": 0, late: 0 };
  const reports = new Map<number, { stats: WorkerStats; at: number }>();
  let results = 0;

  const consumer = await jetstream(nc).consumers.get(RESULT_STREAM, { deliver_policy: DeliverPolicy.All });
  const messages = await consumer.consume();
  const reading = (async () => {
    for await (const m of messages) {
      const result = m.json<WindowResult>();
      if (feed.publish([result]) > 0) {
        results++;
        panes[result.pane.timing]++;
      }
    }
  })();
  const sub = nc.subscribe(`${STATS_PREFIX}.*`, {
    callback: (error, m) => {
      if (error !== null) return;
      const stats = m.json<WorkerStats>();
      reports.set(stats.index, { stats, at: Date.now() });
    },
  });

  const job: ServedJob<PageView> = {
    eventTime: (e) => e.ts,
    feed,
    stats(): LiveJobStats {
      const now = Date.now();
      let watermark = Infinity;
      let maxEventTime = -Infinity;
      let eventsIn = 0;
      let lateEvents = 0;
      let lastCheckpointAt: number | undefined;
      let live = 0;
      for (const { stats: s, at } of reports.values()) {
        eventsIn += s.eventsIn;
        lateEvents += s.lateEvents;
        if (s.maxEventTime !== null) maxEventTime = Math.max(maxEventTime, s.maxEventTime);
        if (s.lastCheckpointAt !== null) lastCheckpointAt = Math.max(lastCheckpointAt ?? 0, s.lastCheckpointAt);
        if (now - at > STALE_MS) continue;
        live++;
        if (s.watermark !== null) watermark = Math.min(watermark, s.watermark);
      }
      return {
        state: live > 0 ? "running" : "idle",
        eventsIn,
        maxEventTime,
        watermark: watermark === Infinity ? -Infinity : watermark,
        lateEvents,
        invalidEvents: 0,
        panes: { ...panes },
        openWindows: 0,
        lastCheckpointAt,
      };
    },
  };

  return {
    job,
    get results() {
      return results;
    },
    async close() {
      sub.unsubscribe();
      await messages.close();
      await reading.catch(() => {});
      feed.close();
    },
  };
}
