// The smoke test's targets beyond node_modules under Node, Bun and Deno (scripts/smoke.ts): Deno after
// `deno install` from a registry, a Vite production build loaded in Chromium, and a bundled worker in
// workerd. Each runs scripts/smoke_app/job.js over the packed package with its own state store and
// returns the job's JSON output, which smoke.ts compares with Node's.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, extname, join, normalize } from "node:path";
import { root } from "./export_map.ts";

const smokeApp = join(root, "scripts/smoke_app");
/** Must not be later than the bundled workerd's own date (as in vitest.workerd.config.ts). */
const COMPATIBILITY_DATE = "2026-10-01";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Runs a command without blocking this process (it may be serving the command); resolves with stdout. */
export function runAsync(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`\`${[cmd, ...args].join(" ")}\` failed (exit ${code}) in ${cwd}:\n${stdout}${stderr}`));
    });
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * A registry that knows one package, the packed weirjs, as the npm registry will after a publish
 * (any other name is a 404: weirjs has no dependencies, its peers are optional).
 */
function tarballRegistry(tarball: string, manifest: Record<string, unknown>): Server {
  const bytes = readFileSync(tarball);
  const name = manifest.name as string;
  const version = manifest.version as string;
  const file = `/${name}/-/${name}-${version}.tgz`;
  const server = createServer((req, res) => {
    if (req.url === `/${name}`) {
      const { scripts: _s, devDependencies: _d, ...published } = manifest;
      const dist = {
        tarball: `http://${req.headers.host}${file}`,
        shasum: createHash("sha1").update(bytes).digest("hex"),
        integrity: `sha512-${createHash("sha512").update(bytes).digest("base64")}`,
      };
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({ name, "dist-tags": { latest: version }, versions: { [version]: { ...published, dist } } }),
      );
    } else if (req.url === file) {
      res.setHeader("content-type", "application/octet-stream");
      res.end(bytes);
    } else {
      res.statusCode = 404;
      res.end("{}");
    }
  });
  return server;
}

/**
 * Deno as a user installs from npm: a project whose package.json depends on `weirjs`, `deno install`
 * from a registry serving the packed tarball (a fresh DENO_DIR, so nothing comes from a cache), then
 * the job with `weirjs/adapters/deno-kv` under `deno run`.
 */
export async function denoInstall(scratch: string, tarball: string, manifest: Record<string, unknown>) {
  const app = join(scratch, "deno-app");
  mkdirSync(app);
  const registry = tarballRegistry(tarball, manifest);
  const url = await listen(registry);
  try {
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({
        name: "weir-deno-smoke",
        private: true,
        type: "module",
        dependencies: { weirjs: manifest.version },
      }),
    );
    writeFileSync(join(app, ".npmrc"), `registry=${url}/\n`);
    for (const f of ["job.js", "deno_kv_main.js"]) cpSync(join(smokeApp, f), join(app, f));
    const env = { ...process.env, DENO_DIR: join(scratch, "deno-dir"), NO_COLOR: "1" };
    const deno = join(root, "node_modules/.bin/deno");
    await runAsync(deno, ["install"], app, env);
    return (await runAsync(deno, ["run", "-A", "--unstable-kv", "deno_kv_main.js"], app, env)).trim();
  } finally {
    await close(registry);
  }
}

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** Serves the files of `dir` (what `vite preview` does, without another process). */
function staticServer(dir: string): Server {
  return createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    const file = join(dir, path.endsWith("/") ? `${path}index.html` : path);
    try {
      const body = readFileSync(file);
      res.setHeader("content-type", contentTypes[extname(file)] ?? "application/octet-stream");
      res.end(body);
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
}

/**
 * A browser app as users ship it: `vite build` of a page importing `weirjs` and
 * `weirjs/adapters/idb` from `app`'s node_modules, served statically and loaded in Chromium, where
 * the job checkpoints into IndexedDB.
 */
export async function viteChromium(app: string) {
  cpSync(join(smokeApp, "job.js"), join(app, "job.js"));
  cpSync(join(smokeApp, "browser"), join(app, "browser"), { recursive: true });
  const out = join(app, "browser-dist");
  await runAsync(
    process.execPath,
    [join(root, "node_modules/vite/bin/vite.js"), "build", "browser", "--outDir", out, "--logLevel", "warn"],
    app,
  );
  const bundles = readFileSync(join(out, "index.html"), "utf8").match(/assets\/[^"]+\.js/g) ?? [];
  if (bundles.length === 0) throw new Error(`vite build wrote no script into ${out}/index.html`);
  const server = staticServer(out);
  const url = await listen(server);
  const { chromium } = await import("playwright");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"],
  });
  try {
    const page = await browser.newPage();
    const logged: string[] = [];
    page.on("console", (m) => m.type() === "error" && logged.push(m.text()));
    page.on("pageerror", (e) => logged.push(String(e)));
    await page.goto(`${url}/`);
    await page.waitForFunction(() => document.body.dataset.result ?? document.body.dataset.error, null, {
      timeout: 30_000,
    });
    const { result, error } = await page.evaluate(() => ({ ...document.body.dataset }));
    if (error !== undefined || result === undefined) {
      throw new Error(`the page failed: ${error ?? "no result"}${logged.length ? `\n${logged.join("\n")}` : ""}`);
    }
    return result;
  } finally {
    await browser.close();
    await close(server);
  }
}

/**
 * A Cloudflare Worker: scripts/smoke_app/worker.js bundled with esbuild from `app`'s node_modules
 * (as wrangler bundles), run in workerd by Miniflare; a request runs the job in a Durable Object that
 * checkpoints into its storage (`weirjs/adapters/cloudflare`).
 */
export async function workerd(app: string) {
  cpSync(join(smokeApp, "job.js"), join(app, "job.js"));
  cpSync(join(smokeApp, "worker.js"), join(app, "worker.js"));
  const outfile = join(app, "worker-dist", "worker.js");
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [join(app, "worker.js")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:workers"],
    outfile,
    logLevel: "warning",
  });
  // Miniflare 5 takes per-worker configs; its converter takes the flat options of Miniflare 4.
  const { Miniflare, convertV4MiniflareOptions } = await import("miniflare");
  const mf = new Miniflare(convertV4MiniflareOptions({
    modules: true,
    scriptPath: outfile,
    modulesRoot: dirname(outfile),
    compatibilityDate: COMPATIBILITY_DATE,
    durableObjects: { JOBS: "Jobs" },
  }));
  try {
    const res = await mf.dispatchFetch("http://localhost/");
    const text = await res.text();
    if (res.status !== 200) throw new Error(`the worker answered ${res.status}: ${text}`);
    return text.trim();
  } finally {
    await mf.dispose();
  }
}
