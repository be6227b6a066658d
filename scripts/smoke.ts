// Installs the npm package the way a user gets it and checks it: `npm pack` -> install the
// tarball into a scratch project under the OS temp folder -> import every subpath export
// ("weirjs", "weirjs/testing", "weirjs/adapters/<name>") from plain Node, compare its runtime exports
// with the TypeScript source's, run the same probe and the smoke job (scripts/smoke_app/job.js: windows,
// mapAsync, a checkpointed run, a TestStream) under Node, Bun and Deno (npm-style node_modules), then the
// same job in Deno after `deno install` (Deno KV), in a Vite production build in Chromium (IndexedDB) and
// in a bundled worker in workerd (a Durable Object), all giving Node's output (scripts/smoke_targets.ts);
// and type-check a consumer against the shipped .d.ts files. Offline but for the npm registry (the
// packages come from npm's cache). Needs `npm run build` first. Run: npm run test:smoke
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expectedEntries, readJson, root } from "./export_map.ts";
import { denoInstall, viteChromium, workerd } from "./smoke_targets.ts";

type Shape = Record<string, Record<string, string>>;

/** Runs a command (its stderr shown as it comes) and returns its stdout; throws a one-line error when it fails. */
function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  } catch (e) {
    const { status, stdout } = e as { status?: number | null; stdout?: string };
    throw new Error(
      `\`${[cmd, ...args].join(" ")}\` failed (exit ${status ?? "?"}) in ${cwd}${stdout ? `:\n${stdout}` : ""}`,
    );
  }
}

/** `{ name: typeof value }` of a module namespace, sorted, so two builds compare as JSON. */
function shapeOf(ns: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.keys(ns).sort().map((k) => [k, typeof ns[k]]));
}

const entries = expectedEntries();
const specifier = (key: string) => `weirjs${key.slice(1)}`;
const scratch = mkdtempSync(join(tmpdir(), "weir-smoke-"));
const failures: string[] = [];

try {
  run("npm", ["run", "--silent", "check:exports", "--", "--built"], root);

  const [packed] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", scratch], root)) as [
    { filename: string; files: { path: string }[] },
  ];
  const shipped = packed.files.map((f) => f.path);
  const stray = shipped.filter((p) => !/^(dist\/|package\.json$|README\.md$|LICENSE$)/.test(p));
  if (stray.length > 0) failures.push(`the tarball ships files outside dist/: ${stray.join(", ")}`);
  console.log(`packed ${packed.filename}: ${shipped.length} files`);

  const app = join(scratch, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "weir-smoke", private: true, type: "module" }));
  // Adapters import their optional peers (hono, idb, ...): install the versions weir is tested with.
  const dev = readJson("package.json").devDependencies as Record<string, string>;
  const peers = Object.keys((readJson("package.json").peerDependencies ?? {}) as Record<string, string>);
  const installs = [join(scratch, packed.filename), ...peers.map((p) => `${p}@${dev[p]}`)];
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...installs], app);

  // What the sources export, loaded through tsx (this process) ...
  const expected: Shape = {};
  for (const { key, source } of entries) {
    expected[key] = shapeOf(await import(pathToFileURL(join(root, source)).href));
  }
  // ... and what the installed package exports, loaded by plain Node from node_modules/weirjs.
  const probe = `const out = {};\n${
    entries
      .map((e, i) =>
        `import * as m${i} from ${JSON.stringify(specifier(e.key))};\nout[${JSON.stringify(e.key)}] = m${i};`
      )
      .join("\n")
  }\nconst shape = (ns) => Object.fromEntries(Object.keys(ns).sort().map((k) => [k, typeof ns[k]]));\n` +
    `console.log(JSON.stringify(Object.fromEntries(Object.entries(out).map(([k, ns]) => [k, shape(ns)]))));\n`;
  writeFileSync(join(app, "probe.mjs"), probe);
  const actual = JSON.parse(run(process.execPath, ["probe.mjs"], app)) as Shape;
  for (const { key } of entries) {
    const want = JSON.stringify(expected[key]);
    const got = JSON.stringify(actual[key]);
    if (want !== got) failures.push(`${specifier(key)} exports ${got}, the source exports ${want}`);
    else console.log(`${specifier(key)}: ${Object.keys(expected[key]!).length} exports match the source`);
  }
  if (Object.keys(expected["."] ?? {}).length === 0) failures.push(`"weirjs" exports nothing`);

  // The installed package on every runtime the README names that can load it from node_modules: the
  // same exports, and a pipeline that windows, fires and checkpoints gives the same results.
  for (const f of ["job.js", "main.js"]) cpSync(join(root, "scripts/smoke_app", f), join(app, f));
  const expectedJob = run(process.execPath, ["main.js"], app).trim();
  console.log(`node: a job over the installed package gives ${expectedJob}`);
  const runtimes: [string, string, string[]][] = [
    ["bun", join(root, "node_modules/.bin/bun"), []],
    ["deno", join(root, "node_modules/.bin/deno"), ["run", "-A", "--node-modules-dir=manual"]],
  ];
  for (const [name, bin, args] of runtimes) {
    try {
      const shape = JSON.parse(run(bin, [...args, "probe.mjs"], app)) as Shape;
      if (JSON.stringify(shape) !== JSON.stringify(actual)) {
        failures.push(`${name} sees other exports than node: ${JSON.stringify(shape)}`);
      }
      const got = run(bin, [...args, "main.js"], app).trim();
      if (got !== expectedJob) failures.push(`${name} runs the job to ${got}, node to ${expectedJob}`);
      else console.log(`${name}: same exports and same job results as node`);
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message}`);
    }
  }

  // The targets that do not share this node_modules: each runs the same job with its own state store.
  const targets: [string, () => Promise<string>][] = [
    ["deno install", () => denoInstall(scratch, join(scratch, packed.filename), readJson("package.json"))],
    ["vite build in chromium", () => viteChromium(app)],
    ["workerd", () => workerd(app)],
  ];
  for (const [name, target] of targets) {
    const started = performance.now();
    try {
      const got = await target();
      if (got !== expectedJob) failures.push(`${name} runs the job to ${got}, node to ${expectedJob}`);
      else console.log(`${name}: same job results as node (${Math.round(performance.now() - started)} ms)`);
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message}`);
    }
  }

  // A consumer that type-checks against the shipped declarations (NodeNext resolution, as users have).
  const consumer = entries
    .map((e, i) => `import * as m${i} from ${JSON.stringify(specifier(e.key))};\nexport const x${i}: object = m${i};`)
    .join("\n");
  writeFileSync(join(app, "consumer.ts"), consumer + "\n");
  writeFileSync(
    join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        // @nats-io's own declarations (weirjs/adapters/nats) use Symbol.asyncDispose.
        lib: ["ES2022", "DOM", "DOM.Iterable", "ESNext.Disposable"],
        types: [],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
      },
      files: ["consumer.ts"],
    }),
  );
  try {
    run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "."], app);
    console.log(`consumer type-checks against ${entries.length} shipped .d.ts entry points`);
  } catch (e) {
    failures.push(
      `a consumer does not type-check against the shipped .d.ts: ${(e as Error).message}`,
    );
  }
} catch (e) {
  failures.push((e as Error).message);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`smoke test failed:\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
console.log("smoke test passed");
