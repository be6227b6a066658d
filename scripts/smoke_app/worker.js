// workerd (bundled with esbuild, run by Miniflare): a request runs the smoke job in a Durable Object
// that checkpoints into its own storage.
import { DurableObject } from "cloudflare:workers";
import { DurableObjectStateStore } from "weirjs/adapters/cloudflare";
import { smokeJob } from "./job.js";

export class Jobs extends DurableObject {
  async fetch() {
    return new Response(await smokeJob(await DurableObjectStateStore.open(this.ctx.storage)));
  }
}

export default {
  fetch(request, env) {
    return env.JOBS.get(env.JOBS.idFromName("smoke")).fetch(request);
  },
};
