// Child process of nats_sink.test.ts. Usage: <nats url>
// The crash-test job over a slow replayable source, checkpointing every 100 ms into a NatsKvStateStore
// and publishing its results with jetStreamSink. Prints "started" once the store is open and
// "done <published> <duplicates>" at the end; the test SIGKILLs it in between, several times.
import process from "node:process";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { jetStreamSink, NatsKvStateStore } from "../../adapters/nats/mod.ts";
import type { Source } from "../../src/pipeline/source.ts";
import { arraySource } from "../scenarios/_checkpoint_helpers.ts";
import { type CrashEvent, crashEvents, crashPipeline } from "../fixtures/crash_job.ts";

export const SINK_CRASH_EVENTS = crashEvents(6_000, 3);

function slowly(source: Source<CrashEvent>, ms: number): Source<CrashEvent> {
  return {
    kind: "source",
    replayable: true,
    async *open(options) {
      const it = source.open(options);
      try {
        for (;;) {
          const r = await it.next();
          if (r.done) return;
          await new Promise((resolve) => setTimeout(resolve, ms));
          yield r.value;
        }
      } finally {
        await it.return?.();
      }
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const nc = await connect({ servers: process.argv[2]! });
  const store = await NatsKvStateStore.open(nc, { bucket: "sinkcrash", prefix: "job", owner: `child-${process.pid}` });
  process.stdout.write("started\n");
  const sink = jetStreamSink({ js: jetstream(nc), subject: "results.sinkcrash", job: "sinkcrash" });
  await crashPipeline(slowly(arraySource(SINK_CRASH_EVENTS, 40), 20))
    .checkpoint({ store, id: "sinkcrash", every: { ms: 100 } })
    .pipeTo(sink);
  process.stdout.write(`done ${sink.published} ${sink.duplicates}\n`);
  await store.close();
  await nc.close();
  process.exit(0);
}
