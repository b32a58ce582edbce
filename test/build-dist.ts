/**
 * Vitest global set-up: the CLI tests run the real `bin/baton.js`, which runs the compiled dist/.
 * Rebuild it when any source is newer than the last build, so a test never runs stale code.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

function newest(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((n) => newest(join(path, n))));
}

export default function setup(): void {
  let built = 0;
  try {
    built = statSync(join(root, "dist", ".built")).mtimeMs;
  } catch {
    built = 0;
  }
  const sources = Math.max(
    newest(join(root, "src")),
    newest(join(root, "tsconfig.build.json")),
    newest(join(root, "tsconfig.json")),
    newest(join(root, "scripts", "build.mjs")),
  );
  if (built > sources) return;
  const r = spawnSync(process.execPath, [join(root, "scripts", "build.mjs")], {
    cwd: root,
    stdio: "inherit",
  });
  if (r.status !== 0) throw new Error("the build (node scripts/build.mjs) failed; see its output above");
}
