// The consumers of a jetStreamSource. Each open creates, per subject, a new durable pull consumer with
// a unique name that starts just after the checkpointed sequence, and deletes the consumers an earlier
// open left for that subject (same name prefix): the checkpoint, not a consumer's acknowledgements,
// knows where to resume. A unique name per open keeps a reader that lost its partition (a zombie) from
// pulling messages of its successor's consumer: its own consumer is gone, and its reading fails.
import {
  AckPolicy,
  type ConsumerInfo,
  type ConsumerMessages,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
} from "@nats-io/jetstream";
import { nanos, nuid } from "@nats-io/nats-core";
import type { PartitionState } from "./_source_partition.ts";

/**
 * How long each pull request lives (ms). nats.js asks the server for a heartbeat every half of it, and
 * re-pulls once two are missed. A pull can be lost without an answer: its server was killed, or the
 * consumer's leader moved (a 409 or 503 that the client waits out). With the default 30 s, a source
 * then stood still for 30 to 45 s after a node failure (seen in nats_worker_cluster.test.ts traces);
 * with 5 s it resumes within about 5 s, for one pull request per idle subject every 5 s.
 */
const PULL_EXPIRES = 5_000;

/** The consumer name prefix of `subject` for a source whose consumers are named `prefix`. */
export function consumerBase(prefix: string, subject: string): string {
  return `${prefix}-${subject.replace(/[^A-Za-z0-9_-]/g, "_")}-`;
}

/** The consumers of `stream` (read once per open). */
export async function listConsumers(jsm: JetStreamManager, stream: string): Promise<ConsumerInfo[]> {
  const out: ConsumerInfo[] = [];
  // A consumer deleted while the server pages through the list comes back as null.
  for await (const ci of jsm.consumers.list(stream)) if (ci?.name !== undefined && ci.config) out.push(ci);
  return out;
}

/** A consumer of `part.subject` being read, and the delivery sequence of the last message taken from it. */
export interface Reader {
  readonly name: string;
  readonly messages: ConsumerMessages;
  delivered: number;
}

/** Replaces the consumers of `part.subject` by a new one after `part.seq`, and starts pulling from it. */
export async function openConsumer(
  js: JetStreamClient,
  jsm: JetStreamManager,
  existing: readonly ConsumerInfo[],
  stream: string,
  prefix: string,
  part: PartitionState,
  ackWait: number,
  onGone: (error: Error) => void,
): Promise<Reader> {
  const base = consumerBase(prefix, part.subject);
  for (const ci of existing) {
    if (ci.name.startsWith(base) && ci.config.filter_subject === part.subject) {
      await jsm.consumers.delete(stream, ci.name).catch(() => false);
    }
  }
  const name = base + nuid.next();
  const info = await jsm.consumers.add(stream, {
    durable_name: name,
    filter_subject: part.subject,
    ack_policy: AckPolicy.All,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: part.seq + 1,
    ack_wait: nanos(ackWait),
    max_ack_pending: -1,
    // A consumer whose reader died without a successor is removed by the server after a day.
    inactive_threshold: nanos(86_400_000),
  });
  part.pending = info.num_pending;
  const messages = await (await js.consumers.get(stream, name)).consume({ max_messages: 512, expires: PULL_EXPIRES });
  (async () => {
    for await (const s of messages.status()) {
      // "Not found" can also be a pull that raced a leader change: the consumer is gone only if asking
      // for its info says so (a timeout says nothing).
      const gone = s.type === "consumer_deleted" ||
        (s.type === "consumer_not_found" && await jsm.consumers.info(stream, name).then(
          () => false,
          (e) => e instanceof JetStreamApiError && e.code === JetStreamApiCodes.ConsumerNotFound,
        ));
      if (gone) {
        onGone(
          new Error(
            `Cannot read ${part.subject} from stream ${stream} as its consumer ${name} was deleted: another reader of the subject took over (or it was removed by hand)`,
          ),
        );
        return;
      }
    }
  })().catch(() => {});
  return { name, messages, delivered: 0 };
}
