// `npm run build`: runs tsup (tsup.config.ts) and fails when a bundled .d.ts refers to a type that
// no public entry exports. rollup-plugin-dts only warns about that, but users then cannot name
// the type and get TS2742 ("inferred type cannot be named") in their own declarations; the fix
// is to export the type from mod.ts (or the adapter's mod.ts).
import { spawn } from "node:child_process";
import { join } from "node:path";
import { root } from "./export_map.ts";

const child = spawn(process.execPath, [join(root, "node_modules/tsup/dist/cli-default.js")], {
  cwd: root,
  stdio: ["ignore", "pipe", "pipe"],
});
let output = "";
for (const [from, to] of [[child.stdout, process.stdout], [child.stderr, process.stderr]] as const) {
  from.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    to.write(chunk);
  });
}
const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? 1)));
if (code !== 0) process.exit(code);

const unexported = [
  ...output.matchAll(/Entry "([^"]+)" still references private shared type exports[^:]*: ([^.]+)\./g),
];
if (unexported.length > 0) {
  console.error(
    `build failed: public declarations use types that no entry exports (export them from mod.ts or the adapter's mod.ts):\n  ${
      unexported.map((m) => `${m[1]}: ${m[2]}`).join("\n  ")
    }`,
  );
  process.exit(1);
}
