// adapters/hono inside workerd (Cloudflare's runtime): the app's fetch handler, as a Worker's
// `fetch` export would call it, with a memory store; the shared HTTP contract runs in-process.
import { describe, expect, it } from "vitest";
import { fixture, honoCases, type Serve } from "../../contract/hono_contract.ts";

const viaFetch: Serve = (app) =>
  Promise.resolve({
    fetch: (path: string, init?: RequestInit) =>
      Promise.resolve(app.fetch(new Request(`http://worker.test${path}`, init))),
    close: () => Promise.resolve(),
  });

describe("hono app in workerd", () => {
  it("serves POST /events and GET /health through a Worker-style fetch handler", async () => {
    const fx = await fixture({ token: undefined });
    const worker = { fetch: (request: Request) => fx.app.fetch(request) };
    const res = await worker.fetch(
      new Request("http://worker.test/events", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify([{ country: "fr", ts: 1 }, { country: "de", ts: 2 }]),
      }),
    );
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ offsets: [0, 1], count: 2 });
    const health = await worker.fetch(new Request("http://worker.test/health"));
    expect(await health.json()).toMatchObject({ status: "ok", log: { next: 2 } });
    await fx.dispose();
  });
  for (const c of honoCases) it(c.name, () => c.run(viaFetch));
});
