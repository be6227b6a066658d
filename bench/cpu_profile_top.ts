/// <reference types="node" />
// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time and
// the most inclusive time, as percentages of the sampled time, optionally only of the samples whose
// stack passes through a frame matching --within (substrings separated by |; e.g. the weir run, not the
// input generation), plus all GC samples.
//
// With `--lines`, it also lists the hottest source lines (V8's per-line ticks) with their text; tsx
// compiles each module onto one line, so profile an unminified bundle for that (see bench/README.md).
//
// Run: npx tsx bench/cpu_profile_top.ts <file.cpuprofile> [--top 25] [--within name] [--lines]
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { intArg, stringArg } from "./_data.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
  positionTicks?: { line: number; ticks: number }[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const file = process.argv[2];
if (file === undefined || file.startsWith("--")) {
  console.error("usage: npx tsx bench/cpu_profile_top.ts <file.cpuprofile> [--top 25] [--within name]");
  process.exit(2);
}
const TOP = intArg("top", 25);
const WITHIN = stringArg("within", "");
const LINES = process.argv.includes("--lines");

const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map<number, ProfileNode>();
const parent = new Map<number, number>();
for (const n of profile.nodes) {
  byId.set(n.id, n);
  for (const c of n.children ?? []) parent.set(c, n.id);
}

function label(n: ProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame;
  const where = url === "" ? "" : ` ${url.replace(/^.*\/(src|bench|node_modules)\//, "$1/")}:${lineNumber + 1}`;
  return `${functionName || "(anonymous)"}${where}`;
}

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
const lineTicks = new Map<string, number>();
let total = 0;
let totalTicks = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  const leaf = byId.get(profile.samples[i]!)!;
  const stack: string[] = [];
  for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) stack.push(label(byId.get(id)!));
  if (leaf.callFrame.functionName === "(idle)") continue;
  if (
    WITHIN !== "" && !stack.some((s) => WITHIN.split("|").some((w) => s.includes(w))) &&
    leaf.callFrame.functionName !== "(garbage collector)"
  ) continue;
  total += dt;
  self.set(stack[0]!, (self.get(stack[0]!) ?? 0) + dt);
  for (const s of new Set(stack)) inclusive.set(s, (inclusive.get(s) ?? 0) + dt);
}
// Per-line ticks are counted per node (not per sample), so they are shares of all ticks with lines.
for (const n of profile.nodes) {
  for (const p of n.positionTicks ?? []) {
    const where = `${n.callFrame.url}:${p.line}`;
    lineTicks.set(where, (lineTicks.get(where) ?? 0) + p.ticks);
    totalTicks += p.ticks;
  }
}

function print(title: string, m: Map<string, number>): void {
  console.log(title);
  const rows = [...m].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  for (const [name, t] of rows) {
    console.log(`${((100 * t) / total).toFixed(1).padStart(6)} %  ${(t / 1000).toFixed(0).padStart(7)} ms  ${name}`);
  }
  console.log();
}

console.log(
  `${(total / 1e6).toFixed(2)} s sampled${WITHIN ? ` within stacks through "${WITHIN}" (plus all GC)` : ""}\n`,
);
print("self time", self);
print("inclusive time", inclusive);

if (LINES) {
  const sources = new Map<string, string[]>();
  const text = (url: string, line: number): string => {
    if (!url.startsWith("file:")) return "";
    let lines = sources.get(url);
    if (lines === undefined) {
      try {
        lines = readFileSync(fileURLToPath(url), "utf8").split("\n");
      } catch {
        lines = [];
      }
      sources.set(url, lines);
    }
    return (lines[line - 1] ?? "").trim().slice(0, 110);
  };
  console.log("hottest lines (share of all ticks that carry a line)");
  for (const [where, ticks] of [...lineTicks].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    const i = where.lastIndexOf(":");
    const url = where.slice(0, i), line = Number(where.slice(i + 1));
    console.log(
      `${((100 * ticks) / totalTicks).toFixed(1).padStart(6)} %  ${url.replace(/^.*\//, "")}:${line}  ${
        text(url, line)
      }`,
    );
  }
}
