// The live page's files (examples/demo/page/ and uPlot from node_modules, so the page needs no CDN and
// works offline), served by the demo's app: `npm start` and `npm run demo:cluster` share them.
/// <reference types="node" />
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { WeirApp } from "../../adapters/hono/mod.ts";

const require = createRequire(import.meta.url);
const page = (name: string) => new URL(`./page/${name}`, import.meta.url);

/** Adds `GET /`, the page's script and styles, and uPlot under `/vendor/` to `app`. */
export function addPageRoutes(app: WeirApp): void {
  const files: Record<string, [URL | string, string]> = {
    "/": [page("index.html"), "text/html; charset=utf-8"],
    "/app.js": [page("app.js"), "text/javascript; charset=utf-8"],
    "/style.css": [page("style.css"), "text/css; charset=utf-8"],
    "/vendor/uPlot.iife.min.js": [require.resolve("uplot/dist/uPlot.iife.min.js"), "text/javascript; charset=utf-8"],
    "/vendor/uPlot.min.css": [require.resolve("uplot/dist/uPlot.min.css"), "text/css; charset=utf-8"],
  };
  for (const [path, [file, type]] of Object.entries(files)) {
    app.get(
      path,
      async (c) => c.body(await readFile(file, "utf8"), 200, { "content-type": type, "cache-control": "no-cache" }),
    );
  }
}
