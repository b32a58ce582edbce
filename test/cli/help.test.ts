import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { baton, tempDir } from "./helpers.ts";

const COMMANDS = [
  ["keygen"],
  ["id"],
  ["anchor", "add"],
  ["grant"],
  ["derive"],
  ["prove"],
  ["verify"],
  ["inspect"],
  ["graph"],
  ["revoke"],
  ["audit", "tail"],
  ["audit", "check"],
  ["audit", "export"],
  ["serve"],
  ["demo"],
  ["approve"],
  ["policy", "check"],
];

describe("baton help", () => {
  it("gives every command a --help with usage and an example (exit 0)", async () => {
    const cwd = tempDir("help");
    const results = await Promise.all(COMMANDS.map((c) => baton([...c, "--help"], { cwd })));
    COMMANDS.forEach((c, i) => {
      const r = results[i];
      expect({ command: c.join(" "), code: r?.code, stderr: r?.stderr }).toEqual({
        command: c.join(" "),
        code: 0,
        stderr: "",
      });
      expect(r?.stdout).toContain(`Usage: baton ${c.join(" ")}`);
      expect(r?.stdout).toMatch(/\nExamples?:\n {2}baton |\nExamples?:\n {2}npm /);
      expect(r?.stdout).toContain("--json");
    });
  });

  it("lists the commands with `help` and `--help`, prints the version, and explains a bare `baton`", async () => {
    const cwd = tempDir("help");
    const [help, dashHelp, version, bare] = await Promise.all([
      baton(["help"], { cwd }),
      baton(["--help"], { cwd }),
      baton(["--version"], { cwd }),
      baton([], { cwd }),
    ]);
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(help.code).toBe(0);
    expect(dashHelp.stdout).toBe(help.stdout);
    for (const c of COMMANDS) expect(help.stdout).toContain(`  ${c.join(" ")} `);
    expect(help.stdout).toContain("Example");
    expect(version.stdout).toBe(`baton ${pkg.version}\n`);
    expect(version.code).toBe(0);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toContain("Usage: baton <command>");
  });
});
