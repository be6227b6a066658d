// Deno after `deno install` of weirjs from a registry: the smoke job checkpointing into Deno KV.
import { DenoKvStateStore } from "weirjs/adapters/deno-kv";
import { smokeJob } from "./job.js";

console.log(await smokeJob(await DenoKvStateStore.open(":memory:")));
