// Runs npm scripts one after another (the stages of `npm test`), stops at the first failure,
// prints each stage's time, and closes with the number of tests that passed and failed, read
// from each runner's own summary line (vitest, deno test, bun test).
// Run: tsx scripts/run_stages.ts <script> [<script> ...]
import { spawn } from "node:child_process";

interface Counts {
  passed: number;
  failed: number;
}

// deno-lint-ignore no-control-regex -- ANSI colour codes start with ESC
const ansi = /\u001b\[[0-9;]*m/g;

/** Test counts from one stage's output; stages that are not test runners count nothing. */
function countTests(output: string): Counts {
  const text = output.replace(ansi, "");
  const counts: Counts = { passed: 0, failed: 0 };
  // vitest: "      Tests  2 failed | 6 passed (8)"
  for (const m of text.matchAll(/^\s*Tests\s+(.*)\(\d+\)\s*$/gm)) {
    counts.passed += Number(/(\d+) passed/.exec(m[1]!)?.[1] ?? 0);
    counts.failed += Number(/(\d+) failed/.exec(m[1]!)?.[1] ?? 0);
  }
  // deno test: "ok | 12 passed | 0 failed (40ms)" or "FAILED | 3 passed | 1 failed"
  for (const m of text.matchAll(/^(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/gm)) {
    counts.passed += Number(m[1]);
    counts.failed += Number(m[2]);
  }
  // bun test: " 12 pass" / " 1 fail" on their own lines
  const bunPass = /^\s*(\d+) pass$/m.exec(text);
  const bunFail = /^\s*(\d+) fail$/m.exec(text);
  if (bunPass) counts.passed += Number(bunPass[1]);
  if (bunFail) counts.failed += Number(bunFail[1]);
  return counts;
}

function runScript(name: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "--silent", name], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      process.stderr.write(chunk);
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}

const stages = process.argv.slice(2);
if (stages.length === 0) {
  console.error(
    "Cannot run stages as none were named: pass npm script names, e.g. `tsx scripts/run_stages.ts test:node`",
  );
  process.exit(2);
}

const total: Counts = { passed: 0, failed: 0 };
const times: string[] = [];
const started = performance.now();
let failedStage: string | undefined;
let exitCode = 0;

for (const stage of stages) {
  console.log(`\n=== ${stage} ===`);
  const t0 = performance.now();
  const { code, output } = await runScript(stage);
  const seconds = (performance.now() - t0) / 1000;
  const counts = countTests(output);
  total.passed += counts.passed;
  total.failed += counts.failed;
  const tests = counts.passed + counts.failed > 0 ? `  (${counts.passed} passed, ${counts.failed} failed)` : "";
  times.push(
    `  ${stage.padEnd(16)} ${seconds.toFixed(1).padStart(6)} s  ${code === 0 ? "ok" : `FAILED (exit ${code})`}${tests}`,
  );
  if (code !== 0) {
    failedStage = stage;
    exitCode = code;
    break;
  }
}

console.log(`\n=== stage times ===\n${times.join("\n")}`);
console.log(`  ${"total".padEnd(16)} ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s`);
if (failedStage) {
  console.log(
    `stopped at ${failedStage}; not run: ${stages.slice(stages.indexOf(failedStage) + 1).join(", ") || "none"}`,
  );
}
console.log(`tests: ${total.passed} passed, ${total.failed} failed`);
process.exit(exitCode);
