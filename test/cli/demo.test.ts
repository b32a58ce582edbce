import { describe, expect, it } from "vitest";
import { baton, tempDir } from "./helpers.ts";

describe("baton demo", () => {
  it("tells the delegation story with its permits and refusals, and exits 0", async () => {
    const cwd = tempDir("demo");
    const [human, json] = await Promise.all([baton(["demo"], { cwd }), baton(["demo", "--json"], { cwd })]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stderr).toBe("");
    expect(human.stdout).toContain('"triage issues in repo acme/site"');
    expect(human.stdout).toMatch(/✓ the researcher searches acme\/site .* permitted/);
    expect(human.stdout).toMatch(/✓ the fixer writes .* permitted/);
    expect(human.stdout).toContain("scope_widened: ");
    expect(human.stdout).toContain("args_rejected: ");

    expect(json.code).toBe(0);
    const story = JSON.parse(json.stdout) as { steps: { ok: boolean; code?: string }[] };
    expect(story.steps.map((s) => s.code ?? "ok")).toEqual([
      "ok",
      "ok",
      "ok",
      "ok",
      "ok",
      "depth_exceeded",
      "scope_widened",
      "args_rejected",
      "tool_not_granted",
    ]);
  });
});
