// The bindings that vitest.workerd.config.ts gives test/runtime/workerd/worker.ts, typed for
// `env` from "cloudflare:workers" (and the deprecated `env` from "cloudflare:test").
declare namespace Cloudflare {
  interface Env {
    TEST_DO: DurableObjectNamespace<import("./worker.ts").TestDurableObject>;
    KV: KVNamespace;
  }
}
