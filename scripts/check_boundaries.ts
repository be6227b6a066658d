// Fails when an import crosses a boundary of weir's layout (issue 8, item 5). Every import and
// export-from specifier of mod.ts, src/**/*.ts and adapters/**/*.ts counts, type-only ones and
// dynamic `import("…")` included. The rules:
//   cycle          no import cycle between folders of src/ (a folder is the first directory under
//                  src/; a file directly under src/ is a node of its own);
//   private        no file imports another folder's `_`-prefixed file;
//   adapter-reach  an adapter imports from the core only mod.ts or a src/<folder>/mod.ts, and never
//                  another adapter's folder;
//   runtime-api    the core (src/ and mod.ts) imports no runtime or npm module (node:*, bun,
//                  cloudflare:*, hono, idb, any bare specifier) and uses no Deno., Bun., process.,
//                  require(, indexedDB or __dirname in code (comments and strings do not count);
//   core-imports-adapter  the core never imports adapters/.
// `checkBoundaries` is a pure function over {path → source}; the command line runs it over the tree.
// Run: npx tsx scripts/check_boundaries.ts
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";

export type Rule = "cycle" | "private" | "adapter-reach" | "runtime-api" | "core-imports-adapter" | "front-door";

export interface Violation {
  readonly rule: Rule;
  /** The importing file (for a cycle, the first file of the first edge). */
  readonly file: string;
  readonly message: string;
}

export interface BoundaryReport {
  readonly files: number;
  readonly imports: number;
  readonly violations: Violation[];
}

interface Import {
  readonly from: string;
  readonly specifier: string;
  /** Repository path the specifier points at; null for a non-relative specifier. */
  readonly target: string | null;
}

const RULE_TITLES: Record<Rule, string> = {
  "cycle": "import cycles between src/ folders",
  "private": "imports of another folder's _ file",
  "adapter-reach": "adapters reaching past the core's public entries",
  "runtime-api": "runtime APIs in the core",
  "core-imports-adapter": "the core importing adapters/",
  "front-door": "folders without a mod.ts that only re-exports",
};

/** The files the rules apply to: mod.ts, src/**\/*.ts and adapters/**\/*.ts. */
export function isChecked(path: string): boolean {
  return path === "mod.ts" || /^(src|adapters)\/.+\.ts$/.test(path);
}

/** Joins a relative specifier onto the importing file's folder; null when it leaves the repository. */
function resolve(from: string, specifier: string): string | null {
  const parts = from.split("/").slice(0, -1);
  for (const part of specifier.split("/")) {
    if (part === "..") {
      if (parts.length === 0) return null;
      parts.pop();
    } else if (part !== "." && part !== "") parts.push(part);
  }
  return parts.join("/");
}

const isRelative = (s: string): boolean => s.startsWith("./") || s.startsWith("../");

/** "src/pipeline", a file directly under src/ itself, "adapters/hono", or "mod.ts". */
function unitOf(path: string): string {
  const parts = path.split("/");
  if ((parts[0] === "src" || parts[0] === "adapters") && parts.length > 2) return `${parts[0]}/${parts[1]}`;
  return path;
}

const isCore = (path: string): boolean => path === "mod.ts" || path.startsWith("src/");
const baseName = (path: string): string => path.slice(path.lastIndexOf("/") + 1);

const RUNTIME_GLOBALS = new Set(["Deno", "Bun", "process"]);
const RUNTIME_NAMES = new Set(["indexedDB", "__dirname"]);
const GLOBAL_OBJECTS = new Set(["globalThis", "self", "window"]);

/** Every module specifier in `source`, and the runtime identifiers its code uses. */
function scan(path: string, source: string): { specifiers: string[]; runtime: string[] } {
  const sf = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const specifiers: string[] = [];
  const runtime: string[] = [];
  const declared = new Set<string>();
  const line = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;

  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const e = node.moduleReference.expression;
      if (ts.isStringLiteral(e)) specifiers.push(e.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) specifiers.push(arg.text);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) specifiers.push(arg.literal.text);
    }

    if (
      (ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isFunctionDeclaration(node) ||
        ts.isClassDeclaration(node) || ts.isImportSpecifier(node) || ts.isImportClause(node) ||
        ts.isNamespaceImport(node)) && node.name && ts.isIdentifier(node.name)
    ) {
      declared.add(node.name.text);
    }

    if (ts.isPropertyAccessExpression(node)) {
      const e = node.expression;
      // Deno.env, process.env, but also globalThis.Deno
      if (ts.isIdentifier(e) && RUNTIME_GLOBALS.has(e.text)) runtime.push(`${e.text}. (line ${line(node)})`);
      if (ts.isIdentifier(e) && GLOBAL_OBJECTS.has(e.text) && RUNTIME_GLOBALS.has(node.name.text)) {
        runtime.push(`${e.text}.${node.name.text} (line ${line(node)})`);
      }
    } else if (ts.isQualifiedName(node) && ts.isIdentifier(node.left) && RUNTIME_GLOBALS.has(node.left.text)) {
      runtime.push(`${node.left.text}. in a type (line ${line(node)})`); // Deno.Kv
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "require") {
      runtime.push(`require( (line ${line(node)})`);
    } else if (ts.isIdentifier(node) && RUNTIME_NAMES.has(node.text) && !isPropertyKey(node)) {
      runtime.push(`${node.text} (line ${line(node)})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  for (const ref of sf.typeReferenceDirectives) specifiers.push(`types:${ref.fileName}`);
  // A file that declares its own `process` or `require` uses that, not the runtime's.
  const own = runtime.filter((r) => !declared.has(r.split(/[.( ]/)[0]!));
  return { specifiers, runtime: own };
}

/** `indexedDB` as an object key or member name declares a name; it does not use the global. */
function isPropertyKey(node: ts.Identifier): boolean {
  const p = node.parent;
  return (ts.isPropertyAssignment(p) || ts.isPropertySignature(p) || ts.isPropertyDeclaration(p) ||
    ts.isMethodDeclaration(p) || ts.isMethodSignature(p)) && p.name === node;
}

function describeRuntimeSpecifier(s: string): string {
  if (s.startsWith("types:")) return `references the types of ${JSON.stringify(s.slice(6))}`;
  if (s.startsWith("node:")) return `imports the Node module ${JSON.stringify(s)}`;
  if (s === "bun" || s.startsWith("bun:")) return `imports the Bun module ${JSON.stringify(s)}`;
  if (s.startsWith("cloudflare:")) return `imports the Cloudflare module ${JSON.stringify(s)}`;
  if (/^(npm|jsr|https?):/.test(s)) return `imports the remote module ${JSON.stringify(s)}`;
  return `imports the package ${JSON.stringify(s)}`;
}

/** Strongly connected components of size > 1 (Tarjan). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>(), low = new Map<string, number>();
  const stack: string[] = [], onStack = new Set<string>(), out: string[][] = [];
  let next = 0;
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  return out;
}

/** Checks the boundary rules over `files` (repository path → source); files outside the rules' scope are ignored. */
export function checkBoundaries(files: Readonly<Record<string, string>>): BoundaryReport {
  const violations: Violation[] = [];
  const imports: Import[] = [];
  const paths = Object.keys(files).filter(isChecked).sort();

  for (const from of paths) {
    const { specifiers, runtime } = scan(from, files[from]!);
    for (const specifier of specifiers) {
      imports.push({ from, specifier, target: isRelative(specifier) ? resolve(from, specifier) : null });
    }
    if (isCore(from)) {
      for (const use of runtime) violations.push({ rule: "runtime-api", file: from, message: `${from} uses ${use}` });
    }
  }

  // folder → folder → the first import that makes the edge
  const edges = new Map<string, Map<string, Import>>();
  for (const imp of imports) {
    const { from, specifier, target } = imp;
    const at = `${from} imports ${JSON.stringify(specifier)}`;
    if (target === null) {
      if (isCore(from)) {
        violations.push({ rule: "runtime-api", file: from, message: `${from} ${describeRuntimeSpecifier(specifier)}` });
      }
      continue;
    }
    const fromUnit = unitOf(from), toUnit = unitOf(target);
    if (fromUnit !== toUnit && baseName(target).startsWith("_")) {
      violations.push({ rule: "private", file: from, message: `${at}, a private file of ${toUnit}` });
    }
    if (isCore(from) && target.startsWith("adapters/")) {
      violations.push({ rule: "core-imports-adapter", file: from, message: at });
    }
    if (from.startsWith("adapters/") && fromUnit !== toUnit) {
      const entry = target === "mod.ts" || /^src\/[^/]+\/mod\.ts$/.test(target);
      if (target.startsWith("adapters/")) {
        violations.push({ rule: "adapter-reach", file: from, message: `${at}: adapters never import another adapter` });
      } else if (!entry) {
        violations.push({
          rule: "adapter-reach",
          file: from,
          message: `${at}: an adapter imports the core only through mod.ts or src/<folder>/mod.ts`,
        });
      }
    }
    if (from.startsWith("src/") && target.startsWith("src/") && fromUnit !== toUnit) {
      let out = edges.get(fromUnit);
      if (out === undefined) edges.set(fromUnit, out = new Map());
      if (!out.has(toUnit)) out.set(toUnit, imp);
    }
  }

  const graph = new Map([...edges].map(([k, v]) => [k, new Set(v.keys())]));
  for (const scc of cycles(graph)) {
    const members = new Set(scc);
    const inside: Import[] = [];
    for (const v of scc) {
      for (const [w, imp] of edges.get(v) ?? []) if (members.has(w)) inside.push(imp);
    }
    violations.push({
      rule: "cycle",
      file: inside[0]!.from,
      message: `${scc.join(", ")} import each other:\n` +
        inside.map((i) =>
          `      ${unitOf(i.from)} → ${unitOf(i.target!)}: ${i.from} imports ${JSON.stringify(i.specifier)}`
        )
          .join("\n"),
    });
  }
  violations.push(...frontDoors(files, paths));
  return { files: paths.length, imports: imports.length, violations };
}

/**
 * One front door per folder: every folder of src/ and adapters/ has a mod.ts, and a mod.ts (the root
 * one included) holds only re-exports (`export … from`), imports and comments.
 */
function frontDoors(files: Readonly<Record<string, string>>, paths: readonly string[]): Violation[] {
  const out: Violation[] = [];
  const folders = new Set<string>();
  for (const p of paths) {
    const parts = p.split("/");
    if ((parts[0] === "src" || parts[0] === "adapters") && parts.length >= 3) folders.add(parts.slice(0, 2).join("/"));
  }
  for (const folder of [...folders].sort()) {
    if (!(`${folder}/mod.ts` in files)) {
      out.push({ rule: "front-door", file: folder, message: `${folder}/ has no mod.ts` });
    }
  }
  for (const p of paths) {
    if (!(p === "mod.ts" || p.endsWith("/mod.ts"))) continue;
    const sf = ts.createSourceFile(p, files[p]!, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    for (const st of sf.statements) {
      const reexport = ts.isExportDeclaration(st) && st.moduleSpecifier !== undefined;
      if (reexport || ts.isImportDeclaration(st)) continue;
      const line = sf.getLineAndCharacterOfPosition(st.getStart(sf)).line + 1;
      out.push({ rule: "front-door", file: p, message: `${p}:${line} is not a re-export` });
    }
  }
  return out;
}

/** The report as text: one line when clean, else the violations grouped by rule. */
export function formatReport(report: BoundaryReport): string {
  const { files, imports, violations } = report;
  if (violations.length === 0) return `check_boundaries: ${files} files, ${imports} imports, no violations`;
  const lines = [`check_boundaries: ${violations.length} violations in ${files} files (${imports} imports)`];
  for (const rule of Object.keys(RULE_TITLES) as Rule[]) {
    const vs = violations.filter((v) => v.rule === rule);
    if (vs.length === 0) continue;
    lines.push(`  ${RULE_TITLES[rule]} (${rule}, ${vs.length}):`);
    for (const v of vs) lines.push(`    ${v.message}`);
  }
  return lines.join("\n");
}

function main(): void {
  const root = new URL("..", import.meta.url).pathname;
  const files: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(root, dir))) {
      const path = `${dir}/${name}`;
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (name.endsWith(".ts")) files[path] = readFileSync(join(root, path), "utf8");
    }
  };
  files["mod.ts"] = readFileSync(join(root, "mod.ts"), "utf8");
  walk("src");
  walk("adapters");
  const report = checkBoundaries(files);
  if (report.violations.length > 0) {
    console.error(formatReport(report));
    process.exit(1);
  }
  console.log(formatReport(report));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
