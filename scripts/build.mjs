#!/usr/bin/env node
// Compiles src/ to dist/ (JavaScript + declarations) with tsc, then:
// - rewrites relative `.ts` specifiers left in the declaration files to `.js` (tsc rewrites them
//   in the JavaScript it emits, not in declarations), so consumers resolve them without options;
// - copies the inspector's static files (src/ui/*.html|css|js) beside the compiled code.
// Usage: node scripts/build.mjs   (npm run build)
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");

rmSync(dist, { recursive: true, force: true });
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const r = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
if (r.status !== 0) {
  console.error("build: tsc failed");
  process.exit(r.status ?? 1);
}

/** Relative specifiers in `from "…"`, `import("…")` and `import "…"` forms. */
const SPECIFIER = /(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(["'])(\.{1,2}\/[^"']+?)\.ts\2/g;

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

let rewritten = 0;
for (const file of walk(dist)) {
  if (!file.endsWith(".d.ts") && !file.endsWith(".js")) continue;
  const text = readFileSync(file, "utf8");
  const out = text.replace(SPECIFIER, (_m, lead, q, spec) => `${lead}${q}${spec}.js${q}`);
  if (out !== text) {
    writeFileSync(file, out);
    rewritten += 1;
  }
}

const uiSrc = join(root, "src", "ui");
const uiDist = join(dist, "ui");
mkdirSync(uiDist, { recursive: true });
let assets = 0;
for (const name of readdirSync(uiSrc)) {
  if (/\.(html|css|js)$/.test(name)) {
    copyFileSync(join(uiSrc, name), join(uiDist, name));
    assets += 1;
  }
}
writeFileSync(join(dist, ".built"), `${new Date().toISOString()}\n`);
console.log(`build: dist/ written (${rewritten} files with .ts specifiers rewritten, ${assets} UI assets)`);
