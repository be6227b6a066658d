// Types for the workerd-only parts of these tests. This folder is type-checked with the same
// DOM lib as the rest of weir, not with @cloudflare/workers-types' globals: those would also
// retype the shared code under test, and they are stricter than the WHATWG APIs it is written
// against (they reject `clearTimeout(undefined)` and `new TextDecoder("utf-8", { fatal: true })`).
// The Cloudflare types themselves come from the package's importable build (no globals).

type DurableObjectId = import("@cloudflare/workers-types/index.ts").DurableObjectId;
type DurableObjectNamespace = import("@cloudflare/workers-types/index.ts").DurableObjectNamespace;
type DurableObjectState = import("@cloudflare/workers-types/index.ts").DurableObjectState;
type DurableObjectStorage = import("@cloudflare/workers-types/index.ts").DurableObjectStorage;
type DurableObjectStub = import("@cloudflare/workers-types/index.ts").DurableObjectStub;
type Fetcher = import("@cloudflare/workers-types/index.ts").Fetcher;
type KVNamespace = import("@cloudflare/workers-types/index.ts").KVNamespace;

/** The bindings vitest.workerd.config.ts gives test/runtime/workerd/worker.ts. */
declare namespace Cloudflare {
  interface Env {
    /** A namespace of TestDurableObject: `runInDurableObject(env.TEST_DO.get(id), ...)` lends its storage. */
    TEST_DO: DurableObjectNamespace;
    KV: KVNamespace;
  }
}

declare module "cloudflare:workers" {
  /** The base class of Durable Objects (see workers-types' "cloudflare:workers"). */
  export abstract class DurableObject<Env = Cloudflare.Env> {
    protected ctx: DurableObjectState;
    protected env: Env;
    constructor(ctx: DurableObjectState, env: Env);
    fetch?(request: Request): Response | Promise<Response>;
  }
  /** The bindings of the Worker the tests run in. */
  export const env: Cloudflare.Env;
}
