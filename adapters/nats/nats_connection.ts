import type { NatsConnection as CoreNatsConnection } from "@nats-io/nats-core";

/**
 * A connection to NATS as `@nats-io/nats-core` types it: what `connect` of `@nats-io/transport-node`
 * (Node, Deno, Bun) and `wsconnect` of `@nats-io/nats-core` (browsers) return. The adapter never opens
 * one itself.
 */
export type NatsConnection = CoreNatsConnection;
