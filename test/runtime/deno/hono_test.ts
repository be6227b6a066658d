// The HTTP contract of adapters/hono on Deno: in-process (app.request) and served by Deno.serve on
// 127.0.0.1 with a free port, read back with Deno's fetch.
import type { Hono } from "hono";
import { honoCases, type Serve } from "../../contract/hono_contract.ts";

const inProcess: Serve = (app: Hono) =>
  Promise.resolve({
    fetch: (path: string, init?: RequestInit) => Promise.resolve(app.request(path, init)),
    close: () => Promise.resolve(),
  });

const denoServe: Serve = async (app: Hono) => {
  const ready = Promise.withResolvers<number>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: ({ port }) => ready.resolve(port) }, app.fetch);
  const port = await ready.promise;
  return {
    fetch: (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${port}${path}`, init),
    close: () => server.shutdown(),
  };
};

for (const [name, serve] of [["app.request", inProcess], ["Deno.serve", denoServe]] as const) {
  for (const c of honoCases) Deno.test(`hono contract via ${name} › ${c.name}`, () => c.run(serve));
}
