// Builds dist/ for npm: ESM plus bundled .d.ts, one entry per subpath export. The entries come
// from deno.json's export map (the JSR manifest), so the two packages cannot drift apart;
// scripts/validate_exports.ts checks package.json against the same map.
import { defineConfig } from "tsup";
import { denoExports, stem } from "./scripts/export_map.ts";

const entry = Object.fromEntries(Object.values(denoExports()).map((source) => [stem(source), source]));

export default defineConfig({
  entry,
  format: ["esm"],
  dts: true,
  // Entries share one copy of the core (split chunks), so classes such as WeirError keep one
  // identity whether they are imported from "weirjs" or reach the user through an adapter.
  splitting: true,
  platform: "neutral",
  target: "es2022",
  // Runtime modules (node:fs for the filesystem adapter, cloudflare:* in workerd) and npm
  // packages (adapters' optional peers such as hono and idb) stay imports, never bundled copies.
  external: [/^node:/, /^cloudflare:/],
  skipNodeModulesBundle: true,
  // Keep "node:" in specifiers: Deno and workerd resolve Node built-ins only with the prefix.
  removeNodeProtocol: false,
  outDir: "dist",
  clean: true,
  sourcemap: false,
  treeshake: true,
});
