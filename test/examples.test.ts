import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

describe("examples", () => {
  it("the README's quickstart runs: one permit, one explained denial", () => {
    const root = fileURLToPath(new URL("..", import.meta.url));
    const r = spawnSync(process.execPath, ["--import", "tsx", "examples/quickstart.ts"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^PERMIT permitted/);
    expect(lines[1]).toMatch(/^DENY args_rejected — token 1 \(leaf\): tool write_file: argument path/);
  });
});
