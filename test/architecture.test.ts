/**
 * The house rules, checked on the imports of every file in src/ (parsed with the TypeScript
 * compiler, so comments and strings never count):
 *
 * 1. `src/core` is the pure protocol: it imports nothing outside `src/core`, no Node module but
 *    `node:crypto`, and only the pure libraries listed in CORE_PACKAGES (no I/O: no fs, net, http,
 *    child_process, database driver or server framework).
 * 2. The edges (`src/service`, `src/cli`, `src/sdk`, `src/graph`, `src/demo`) reach `src/store`
 *    only through the trust facade (`src/trust.ts` / `src/trust/`): no edge file imports a store
 *    file, not even for a type.
 * 3. No import cycles between files (type-only imports included: a cycle of types is still a
 *    knot a reader has to untie).
 *
 * Each failure names the importing file, the line and the specifier.
 */
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SRC = join(ROOT, "src");

/** The only Node module core may import. */
const CORE_NODE_MODULES = new Set(["node:crypto"]);
/**
 * Pure libraries core may use: encoding, strict JSON, signatures, and zod for the shapes core owns
 * (the decision's JSON form, the audit event model): no I/O. Anything else needs a decision here.
 */
const CORE_PACKAGES = new Set([
  "@noble/ed25519",
  "@noble/hashes",
  "canonicalize",
  "lossless-json",
  "jose",
  "zod",
]);
const EDGES = ["service", "cli", "sdk", "graph", "demo"];

interface Import {
  /** Importing file, relative to the repository (`src/core/x.ts`). */
  from: string;
  line: number;
  specifier: string;
  typeOnly: boolean;
  /** The imported file (relative to the repository) for a relative specifier. */
  target: string | null;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

const rel = (abs: string): string => relative(ROOT, abs).split(sep).join("/");

/** Every import, export-from and dynamic import of one source text. */
function importsOf(file: string, text: string): Import[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Import[] = [];
  const add = (node: ts.Node, spec: ts.Expression, typeOnly: boolean) => {
    if (!ts.isStringLiteralLike(spec)) return;
    const specifier = spec.text;
    let target: string | null = null;
    if (specifier.startsWith(".")) {
      target = rel(resolve(dirname(join(ROOT, file)), specifier)).replace(/\.js$/, ".ts");
    }
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    out.push({ from: file, line, specifier, typeOnly, target });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.importClause?.isTypeOnly === true);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      add(node, node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg) add(node, arg, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const at = (i: Import): string =>
  `${i.from}:${i.line} imports "${i.specifier}"${i.typeOnly ? " (type-only)" : ""}`;

function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? specifier);
}

const NODE_BUILTINS = new Set(builtinModules.map((m) => m.replace(/^node:/, "")));
const isNodeModule = (s: string): boolean =>
  s.startsWith("node:") || NODE_BUILTINS.has(s.split("/")[0] ?? "");

/** Rule 1: what a core file may import. */
function coreViolations(imports: Import[]): string[] {
  return imports
    .filter((i) => i.from.startsWith("src/core/"))
    .filter((i) => {
      if (i.target !== null) return !i.target.startsWith("src/core/");
      if (isNodeModule(i.specifier)) return !CORE_NODE_MODULES.has(i.specifier);
      return !CORE_PACKAGES.has(packageOf(i.specifier));
    })
    .map(at);
}

/** Rule 2: edges reach the store only through the facade. */
function edgeViolations(imports: Import[]): string[] {
  return imports
    .filter((i) => EDGES.some((e) => i.from.startsWith(`src/${e}/`)))
    .filter((i) => i.target?.startsWith("src/store/") === true)
    .map(at);
}

/** Rule 3: the import cycles (strongly connected components of more than one file, or a self-import). */
function cycles(imports: Import[]): string[][] {
  const graph = new Map<string, Import[]>();
  for (const i of imports) {
    if (i.target === null) continue;
    const list = graph.get(i.from) ?? [];
    list.push(i);
    graph.set(i.from, list);
  }
  // Tarjan's algorithm.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string) => {
    idx.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const e of graph.get(v) ?? []) {
      const w = e.target as string;
      if (!idx.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      const selfLoop = (graph.get(v) ?? []).some((e) => e.target === v);
      if (scc.length > 1 || selfLoop) found.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) connect(v);
  // Name each cycle by the imports inside it.
  return found.map((scc) => {
    const members = new Set(scc);
    return imports.filter((i) => members.has(i.from) && i.target !== null && members.has(i.target)).map(at);
  });
}

const files = sourceFiles(SRC).map(rel).sort();
const all = files.flatMap((f) => importsOf(f, readFileSync(join(ROOT, f), "utf8")));

describe("architecture: import rules over src/", () => {
  it("parses the imports of every source file", () => {
    expect(files.length).toBeGreaterThan(50);
    expect(all.some((i) => i.from === "src/trust.ts" || i.from.startsWith("src/trust/"))).toBe(true);
    // Each file's relative imports resolve to a source file that exists.
    const known = new Set(files);
    const dangling = all.filter((i) => i.target !== null && !known.has(i.target)).map(at);
    expect(dangling).toEqual([]);
  });

  it("core imports nothing outside src/core, no Node module but node:crypto, and only pure libraries", () => {
    expect(coreViolations(all), "imports that break core's purity").toEqual([]);
  });

  it("edges (service, cli, sdk, graph, demo) reach the store only through the trust facade", () => {
    expect(edgeViolations(all), "edge imports of src/store (go through src/trust instead)").toEqual([]);
  });

  it("has no import cycles between files", () => {
    expect(cycles(all), "import cycles (each listed by the imports that form it)").toEqual([]);
  });
});

describe("architecture: the checker itself", () => {
  const fake = (from: string, text: string) => importsOf(from, text);

  it("finds static, type-only, re-export and dynamic imports, and ignores comments and strings", () => {
    const found = fake(
      "src/core/x.ts",
      `// import "node:fs";
import type { A } from "./a.ts";
import { b } from "../store/b.ts";
export { c } from "./c.ts";
const s = "import('node:net')";
const m = await import("node:child_process");
type T = import("./t.ts").T;
`,
    );
    expect(found.map((i) => [i.specifier, i.typeOnly, i.target, i.line])).toEqual([
      ["./a.ts", true, "src/core/a.ts", 2],
      ["../store/b.ts", false, "src/store/b.ts", 3],
      ["./c.ts", false, "src/core/c.ts", 4],
      ["node:child_process", false, null, 6],
      ["./t.ts", true, "src/core/t.ts", 7],
    ]);
  });

  it("names a core import of an I/O module, of a file outside core, and of an unlisted package", () => {
    const imports = fake(
      "src/core/chain/y.ts",
      `import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { x } from "../../trust.ts";
import pg from "pg";
import { sha256 } from "@noble/hashes/sha2.js";
import { z } from "../keys/z.ts";
`,
    );
    expect(coreViolations(imports)).toEqual([
      'src/core/chain/y.ts:1 imports "node:fs"',
      'src/core/chain/y.ts:3 imports "../../trust.ts"',
      'src/core/chain/y.ts:4 imports "pg"',
    ]);
  });

  it("names an edge's import of the store, type-only included, and lets the facade through", () => {
    const imports = [
      ...fake(
        "src/cli/commands/v.ts",
        `import type { Store } from "../../store/types.ts";\nimport { Trust } from "../../trust.ts";\n`,
      ),
      ...fake("src/trust.ts", `import { openStore } from "./store/open.ts";\n`),
    ];
    expect(edgeViolations(imports)).toEqual([
      'src/cli/commands/v.ts:1 imports "../../store/types.ts" (type-only)',
    ]);
  });

  it("finds a three-file cycle and names its imports", () => {
    const imports = [
      ...fake("src/store/a.ts", `import type { B } from "./b.ts";\n`),
      ...fake("src/store/b.ts", `import { c } from "./c.ts";\n`),
      ...fake("src/store/c.ts", `import type { A } from "./a.ts";\nimport { d } from "./d.ts";\n`),
      ...fake("src/store/d.ts", `export const d = 1;\n`),
    ];
    expect(cycles(imports)).toEqual([
      [
        'src/store/a.ts:1 imports "./b.ts" (type-only)',
        'src/store/b.ts:1 imports "./c.ts"',
        'src/store/c.ts:1 imports "./a.ts" (type-only)',
      ],
    ]);
  });
});
