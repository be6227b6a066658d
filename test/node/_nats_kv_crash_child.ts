// Child process of nats_kv_state_store.test.ts. Usage: <nats url> <prefix> <start generation>
// Opens the NatsKvStateStore at <prefix> of bucket "crash" and rewrites every key of it in one batch per
// generation (_state_store_generations.ts), printing "committed <g>" after each, until killed.
import process from "node:process";
import { connect } from "@nats-io/transport-node";
import { NatsKvStateStore } from "../../adapters/nats/mod.ts";
import { generationOps } from "./_state_store_generations.ts";

const [url, prefix, start] = process.argv.slice(2);
const nc = await connect({ servers: url! });
const store = await NatsKvStateStore.open(nc, { bucket: "crash", prefix: prefix!, owner: "crash-child" });
for (let g = Number(start);; g++) {
  await store.batch(generationOps(g));
  process.stdout.write(`committed ${g}\n`);
}
