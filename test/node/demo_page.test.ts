// The demo (`npm start`) end to end in Debian's Chromium: the page loads, the uPlot chart shows
// windowed results from the SSE feed within a few seconds, the page logs no errors; Ctrl-C stops the
// server cleanly, and a restart resumes from the last checkpoint. Screenshot: test-results/demo.png.
/// <reference types="node" />
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright";
import { afterAll, expect, test } from "vitest";

const MAIN = new URL("../../examples/demo/main.ts", import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let dataDir = "";
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  if (dataDir !== "") await rm(dataDir, { recursive: true, force: true });
});

/** Starts the demo on a free port; resolves with its URL and the line it printed. */
async function startDemo(): Promise<{ child: ChildProcess; url: string; banner: string; output: string[] }> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: { ...process.env, PORT: "0", WEIR_DATA: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const output: string[] = [];
  createInterface({ input: child.stderr! }).on("line", (l) => void output.push(l));
  const lines = createInterface({ input: child.stdout! });
  lines.on("line", (l) => void output.push(l));
  const banner = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`demo exited with ${code}: ${output.join("\n")}`)));
    lines.on("line", (l) => {
      if (l.startsWith("weir demo: ")) resolve(l);
    });
  });
  return { child, url: /http:\/\/127\.0\.0\.1:\d+\//.exec(banner)![0], banner, output };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

test(
  "the demo page charts live windowed results without errors, and the demo stops and resumes",
  { timeout: 90_000 },
  async () => {
    dataDir = await mkdtemp(join(tmpdir(), "weir-demo-"));
    const demo = await startDemo();
    expect(demo.banner).toContain("offsets 0..0");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on("pageerror", (e) => void problems.push(`pageerror: ${e.message}`));
      await page.goto(demo.url);
      // Early panes fire every second: within a few seconds the chart holds a window with counts.
      await page.waitForFunction(
        () => {
          const chart = (window as unknown as { weirChart?: { data: (number | null)[][] } }).weirChart;
          return chart !== undefined && chart.data[0]!.length > 0 &&
            chart.data.slice(1).some((s) => s.some((v) => typeof v === "number" && v > 0));
        },
        undefined,
        { timeout: 15_000 },
      );
      await page.waitForFunction(() => document.getElementById("watermark")?.textContent !== "–", undefined, {
        timeout: 10_000,
      });
      expect(await page.textContent("#connection")).toBe("live");
      expect(Number((await page.textContent("#accepted"))!.replace(/\D/g, ""))).toBeGreaterThan(0);
      expect(await page.locator("#pane-rows tr").count()).toBeGreaterThan(0);
      // For a telling screenshot, let a window close: its on-time pane arrives ~12 s after it opened.
      await page.waitForFunction(() => Number(document.getElementById("panes-on-time")?.textContent) > 0, undefined, {
        timeout: 30_000,
      });
      await mkdir("test-results", { recursive: true });
      await page.screenshot({ path: "test-results/demo.png", fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }

    // Ctrl-C: a final checkpoint, then a clean exit.
    const code = exited(demo.child);
    demo.child.kill("SIGINT");
    expect(await code).toBe(0);
    expect(demo.output.join("\n")).toMatch(/stopped after [1-9]\d* checkpoints/);

    // Started again, it resumes: the log was truncated up to the last checkpoint and continues from there.
    const again = await startDemo();
    const [, start, next] = /offsets (\d+)\.\.(\d+)/.exec(again.banner)!;
    expect(Number(start)).toBeGreaterThan(0);
    expect(Number(next)).toBeGreaterThanOrEqual(Number(start));
    const code2 = exited(again.child);
    again.child.kill("SIGINT");
    expect(await code2).toBe(0);
  },
);
