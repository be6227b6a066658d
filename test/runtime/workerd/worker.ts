// The Worker that hosts weir's workerd tests. Tests run in the same isolate and reach its
// bindings through `env` from "cloudflare:workers": `TEST_DO` (a namespace of TestDurableObject,
// used with `runInDurableObject` to get real Durable Object storage) and `KV` (a KV namespace).
import { DurableObject } from "cloudflare:workers";

/** A Durable Object with no behaviour of its own: tests borrow its `ctx.storage`. */
export class TestDurableObject extends DurableObject {}

export default {
  fetch(): Response {
    return new Response("weir workerd test worker");
  },
};
