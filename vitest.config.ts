// Node tests and the Chromium run of the shared scenarios. workerd has its own config
// (vitest.workerd.config.ts) because its plugin replaces the test pool for every project.
import "./scripts/vitest_node20.ts";
import { playwright } from "@vitest/browser-playwright";
import { defineConfig } from "vitest/config";

/** Debian's chromium; Playwright's own browser download is unreachable here. Override with CHROMIUM_PATH. */
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export default defineConfig({
  test: {
    // Kept out of the tree (test-results/ is git-ignored).
    attachmentsDir: "test-results/attachments",
    projects: [
      {
        test: {
          name: "node",
          include: ["test/node/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        // Pre-bundled up front: a dependency first discovered mid-run makes Vite re-optimize and
        // reload the page, which fails the test files that were loading at that moment.
        optimizeDeps: { include: ["fast-check", "idb"] },
        test: {
          name: "browser",
          include: ["test/runtime/browser/**/*.browser.test.ts"],
          browser: {
            enabled: true,
            headless: true,
            // The scenarios draw nothing, so a screenshot of a failure shows an empty page.
            screenshotFailures: false,
            instances: [{ browser: "chromium" }],
            provider: playwright({
              launchOptions: {
                executablePath: chromium,
                args: [
                  "--no-sandbox",
                  "--disable-gpu",
                  "--disable-quic",
                  "--no-first-run",
                  "--disable-background-networking",
                  "--disable-component-update",
                  "--disable-sync",
                ],
              },
            }),
          },
        },
      },
    ],
  },
});
