// The HTTP contract of adapters/hono on Bun: in-process (app.request) and served by Bun.serve on
// 127.0.0.1 with a free port, read back with Bun's fetch.
import { describe, it } from "bun:test";
import type { Hono } from "hono";
import { honoCases, type Serve } from "../../contract/hono_contract.ts";

const inProcess: Serve = (app: Hono) =>
  Promise.resolve({
    fetch: (path: string, init?: RequestInit) => Promise.resolve(app.request(path, init)),
    close: () => Promise.resolve(),
  });

const bunServe: Serve = (app: Hono) => {
  // SSE streams stay open between events: no idle timeout.
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch, idleTimeout: 0 });
  return Promise.resolve({
    fetch: (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${server.port}${path}`, init),
    close: () => server.stop(true),
  });
};

for (const [name, serve] of [["app.request", inProcess], ["Bun.serve", bunServe]] as const) {
  describe(`hono contract via ${name}`, () => {
    for (const c of honoCases) it(c.name, () => c.run(serve));
  });
}
