/// <reference types="node" />
// Crashes in Chromium: a page runs the file sink crash job with checkpoints in IndexedDB and parts in
// OPFS, and its renderer is crashed (CDP Page.crash) 12 times: most rounds as a chosen file sink operation
// starts (the page hangs there and the test crashes it), the others at a seeded moment. Each round opens a
// new page of the same origin, which restarts the job from its newest checkpoint. A last page runs it to
// the end. The committed parts must hold exactly the results of an uninterrupted run, with no temporary
// file left.
import { createServer, type Server } from "node:http";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { type Browser, chromium, type Page } from "playwright";
import { afterAll, beforeAll, expect, test } from "vitest";
import { crashEvents } from "../fixtures/crash_job.ts";
import { arraySource } from "../scenarios/_checkpoint_helpers.ts";
import { fileSinkCrashPipeline } from "./_file_sink_crash_job.ts";
import { multiset } from "./_file_sink_files.ts";

const PAGE = fileURLToPath(new URL("./_file_sink_opfs_page.ts", import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"];
const EVENTS = 6_000;
const TARGETS = ["rename:2", "time", "close:3", "rename:1", "create:4", "time", "remove:1", "rename:5"];
const ROUNDS = 12;

let bundleDir: string | undefined;
let server: Server | undefined;
let browser: Browser | undefined;
let url = "";

beforeAll(async () => {
  await mkdir(fileURLToPath(new URL("../../test-results/", import.meta.url)), { recursive: true });
  bundleDir = await mkdtemp(fileURLToPath(new URL("../../test-results/opfs-crash-", import.meta.url)));
  await build({
    entryPoints: [PAGE],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    outfile: join(bundleDir, "page.js"),
    logLevel: "error",
  });
  const script = await readFile(join(bundleDir, "page.js"));
  server = createServer((req, res) => {
    if (req.url === "/page.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(script);
    } else {
      res.writeHead(200, { "content-type": "text/html" })
        .end('<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>');
    }
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  if (bundleDir !== undefined) await rm(bundleDir, { recursive: true, force: true });
});

function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

async function openPage(): Promise<{ page: Page; log: string[] }> {
  const context = browser!.contexts()[0] ?? (await browser!.newContext());
  const page = await context.newPage();
  const log: string[] = [];
  page.on("console", (m) => log.push(m.text()));
  page.on("pageerror", (e) => log.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(() => "weirRun" in globalThis);
  return { page, log };
}

async function crash(page: Page): Promise<void> {
  const crashed = new Promise<void>((resolve) => page.once("crash", () => resolve()));
  const cdp = await page.context().newCDPSession(page);
  // The renderer dies before it can answer.
  void cdp.send("Page.crash").catch(() => {});
  await crashed;
  await page.close();
}

test(
  `opfsFileSink in Chromium: ${ROUNDS} renderer crashes, and the committed parts hold exactly the results of an uninterrupted run`,
  async () => {
    const random = seeded(0x0bf5);
    const seen: Record<string, number> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const target = TARGETS[round % TARGETS.length]!;
      const { page, log } = await openPage();
      const run = page.evaluate(
        (k) => (globalThis as unknown as { weirRun(k: string): Promise<void> }).weirRun(k),
        target === "time" ? "" : target,
      )
        .then(() => "done", (e: Error) => (/crash|closed/i.test(e.message) ? "crashed" : `failed: ${e.message}`));
      const deadline = Date.now() + (target === "time" ? 100 + Math.floor(random() * 400) : 3_000);
      let ended: string | undefined;
      void run.then((r) => (ended = r));
      while (Date.now() < deadline && ended === undefined && !log.some((l) => l.startsWith("kill point"))) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      if (ended === "done") {
        // On a loaded machine the job may reach its end before the kill point or the deadline: then
        // there is nothing left to crash, and the next rounds restart a finished job.
        await page.close();
        seen.done = (seen.done ?? 0) + 1;
        continue;
      }
      expect(ended, `round ${round}: ${log.join("\n")}`).toBeUndefined();
      await crash(page);
      const outcome = await run;
      if (outcome === "done") {
        // ... or between the last look above and the crash reaching the renderer: the same case.
        seen.done = (seen.done ?? 0) + 1;
        continue;
      }
      expect(outcome, `round ${round}`).toBe("crashed");
      expect(log.filter((l) => /error/i.test(l)), `round ${round}`).toEqual([]);
      const at = log.find((l) => l.startsWith("kill point"))?.split(" ")[2] ?? "time";
      seen[at] = (seen[at] ?? 0) + 1;
    }
    const { page, log } = await openPage();
    await page.evaluate(() => (globalThis as unknown as { weirRun(k: string): Promise<void> }).weirRun(""));
    const files = await page.evaluate(() =>
      (globalThis as unknown as { weirReadParts(): Promise<Record<string, string>> }).weirReadParts()
    );
    await page.close();
    expect(log.filter((l) => /error/i.test(l))).toEqual([]);
    console.info(`opfs crash: ${ROUNDS} crashes (${Object.entries(seen).map(([k, n]) => `${n} at ${k}`).join(", ")})`);
    // (a job that reached its end early leaves fewer rounds to aim at a commit's renames)
    expect((seen.rename ?? 0) + (seen.close ?? 0)).toBeGreaterThanOrEqual(seen.done ? 1 : 3);

    const names = Object.keys(files);
    expect(names.filter((n) => n.split("/").pop()!.startsWith("."))).toEqual([]);
    expect(names.length).toBeGreaterThan(10);
    const records = Object.values(files).flatMap((t) => t.trim().split("\n").map((l) => JSON.parse(l) as unknown));
    const expected = await fileSinkCrashPipeline(arraySource(crashEvents(EVENTS, 5), 40)).toArray();
    expect(multiset(records)).toEqual(multiset(expected));
  },
  120_000,
);
