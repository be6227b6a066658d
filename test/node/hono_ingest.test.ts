// The HTTP contract of adapters/hono on Node: in-process through app.request (no sockets), and
// through a real @hono/node-server on 127.0.0.1 with Node's fetch.
/// <reference types="node" />
import { serve as nodeServe } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { describe, test } from "vitest";
import { honoCases, type Serve } from "../contract/hono_contract.ts";

const inProcess: Serve = (app) =>
  Promise.resolve({
    fetch: (path: string, init?: RequestInit) => Promise.resolve(app.request(path, init)),
    close: () => Promise.resolve(),
  });

const nodeServer: Serve = async (app) => {
  const server = await new Promise<ReturnType<typeof nodeServe>>((resolve) => {
    const s = nodeServe({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    fetch: (path, init) => fetch(`http://127.0.0.1:${port}${path}`, init),
    close: () =>
      new Promise<void>((resolve) => {
        // SSE responses keep connections open; the fixture's job.stop() ends them, and this drops idle ones.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
};

for (const [name, serve] of [["app.request", inProcess], ["@hono/node-server", nodeServer]] as const) {
  describe(`hono contract via ${name}`, () => {
    for (const c of honoCases) test(c.name, () => c.run(serve));
  });
}
