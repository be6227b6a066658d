// Runs test/runtime/workerd/**/*.test.ts inside workerd (Cloudflare's runtime) via Miniflare.
import "./scripts/vitest_node20.ts";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest({
      main: "./test/runtime/workerd/worker.ts",
      miniflare: {
        // Must not be later than the bundled workerd's own date, or workerd refuses to start.
        compatibilityDate: "2026-10-01",
        compatibilityFlags: ["nodejs_compat"],
        kvNamespaces: ["KV"],
        durableObjects: { TEST_DO: "TestDurableObject" },
      },
    }),
  ],
  test: {
    include: ["test/runtime/workerd/**/*.test.ts"],
  },
});
