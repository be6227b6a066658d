// GET /results across server restarts, in Debian's Chromium (issue 10, item 9). A child process serves a
// checkpointed job (one window per second of event time) on a fixed port; two EventSources in one page:
// "hold" stays open and reconnects by itself (the browser sends Last-Event-ID), "away" closes while
// results are published and the server restarts, then comes back with ?lastEventId=. The server is
// stopped once cleanly (SIGTERM, a final checkpoint) and once killed (SIGKILL, results since the last
// checkpoint are computed again). Both clients must get every window exactly once, and no gap.
//
//   windows   0 ……… 11 | 12 ……… 23 | 24 ……… 35 | 36 ……… 47 | 48
//   server    A ─────────────────── SIGTERM ── B ─────────────── SIGKILL ── C
//   hold      ════════════════════════════════════════════════════════════════
//   away      ═════════ (away) ───────────────── ═══ (away) ─────────────────── ═══
/// <reference types="node" />
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { type Browser, chromium, type Page } from "playwright";
import { afterAll, expect, test } from "vitest";
import { resultId } from "../../mod.ts";

const CHILD = new URL("./_feed_restart_server.ts", import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"];

let dir = "";
let browser: Browser | undefined;
const children: ChildProcess[] = [];
afterAll(async () => {
  await browser?.close();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  if (dir !== "") await rm(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function start(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, dir, String(port)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`server exited with ${code} before listening`)));
    lines.on("line", (line) => {
      if (line === `listening ${port}`) resolve();
    });
  });
  return child;
}

async function stop(child: ChildProcess, signal: "SIGTERM" | "SIGKILL"): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  await exited;
}

/** Event time of window 0 (the app refuses event times before 2000). */
const T0 = Date.UTC(2024, 0, 1);

/** Posts one event per window start in [from, to]: each closes the window before it. */
async function post(base: string, from: number, to: number): Promise<void> {
  const lines = [];
  for (let i = from; i <= to; i++) lines.push(JSON.stringify({ ts: T0 + i * 1_000 + 1 }));
  const res = await fetch(`${base}/events`, {
    method: "POST",
    headers: { "content-type": "application/x-ndjson" },
    body: lines.join("\n") + "\n",
  });
  expect(res.status).toBe(202);
}

const windowId = (i: number) =>
  resultId("ticks", { key: null, window: { start: T0 + i * 1_000, end: T0 + (i + 1) * 1_000 }, pane: { index: 0 } });

interface Client {
  ids: string[];
  gaps: number;
}

/** Opens (or reopens) EventSource `name` in the page. */
async function listen(page: Page, name: string, query = ""): Promise<void> {
  await page.evaluate(([name, query]) => {
    const g = globalThis as unknown as { clients?: Record<string, Client & { es?: EventSource }> };
    const clients = g.clients ??= {};
    const c = clients[name] ??= { ids: [], gaps: 0 };
    const es = new EventSource(`/results${query}`);
    es.addEventListener("result", (e) => void c.ids.push((e as MessageEvent).lastEventId));
    es.addEventListener("gap", () => void c.gaps++);
    c.es = es;
  }, [name, query] as const);
}

async function leave(page: Page, name: string): Promise<string> {
  return await page.evaluate((name) => {
    const c = (globalThis as unknown as { clients: Record<string, Client & { es: EventSource }> }).clients[name]!;
    c.es.close();
    return c.ids.at(-1)!;
  }, name);
}

/** Waits until client `name` has received window `i`'s result. */
async function received(page: Page, name: string, i: number): Promise<void> {
  await page.waitForFunction(
    ([name, id]) => (globalThis as unknown as { clients: Record<string, Client> }).clients[name]!.ids.includes(id),
    [name, windowId(i)] as const,
    { timeout: 20_000, polling: 20 },
  );
}

async function client(page: Page, name: string): Promise<Client> {
  return await page.evaluate((name) => {
    const c = (globalThis as unknown as { clients: Record<string, Client> }).clients[name]!;
    return { ids: c.ids, gaps: c.gaps };
  }, name);
}

test(
  "a browser away across a clean stop and a crash of the server resumes with Last-Event-ID and misses nothing",
  { timeout: 120_000 },
  async () => {
    dir = await mkdtemp(join(tmpdir(), "weir-sse-restart-"));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    const page = await browser.newPage();

    let server = await start(port);
    await page.goto(`${base}/health`);
    await listen(page, "hold");
    await listen(page, "away");
    await post(base, 0, 12);
    await received(page, "away", 11);
    let last = await leave(page, "away");
    await post(base, 13, 24);
    await received(page, "hold", 23);

    await stop(server, "SIGTERM");
    server = await start(port);
    await post(base, 25, 36);
    await received(page, "hold", 35);
    await listen(page, "away", `?lastEventId=${encodeURIComponent(last)}`);
    await received(page, "away", 35);
    last = await leave(page, "away");
    await post(base, 37, 48);
    await received(page, "hold", 47);

    await stop(server, "SIGKILL");
    server = await start(port);
    await listen(page, "away", `?lastEventId=${encodeURIComponent(last)}`);
    // Window 48 closes last: once a client has it, everything before it has arrived too.
    await post(base, 49, 49);
    await received(page, "hold", 48);
    await received(page, "away", 48);

    const expected = Array.from({ length: 49 }, (_, i) => windowId(i));
    const report: string[] = [];
    const clients: Record<string, Client> = {};
    for (const name of ["hold", "away"]) {
      const c = clients[name] = await client(page, name);
      const missed = expected.filter((id) => !c.ids.includes(id)).length;
      report.push(
        `${name}: ${c.ids.length} results, ${missed} missed, ${
          c.ids.length - new Set(c.ids).size
        } twice, ${c.gaps} gaps`,
      );
    }
    console.log(`SSE across restarts (49 windows, SIGTERM then SIGKILL): ${report.join("; ")}`);
    expect(clients.hold).toEqual({ ids: expected, gaps: 0 });
    expect(clients.away).toEqual({ ids: expected, gaps: 0 });
    await stop(server, "SIGTERM");
  },
);
