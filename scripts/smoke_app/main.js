// Node, Bun and Deno (npm-style node_modules): the smoke job with the memory store.
import { MemoryStateStore } from "weirjs";
import { smokeJob } from "./job.js";

console.log(await smokeJob(new MemoryStateStore()));
