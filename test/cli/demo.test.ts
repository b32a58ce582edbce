import { describe, expect, it } from "vitest";
import { baton, tempDir } from "./helpers.ts";

describe("baton demo", () => {
  it("tells the end-to-end story on the embedded SQLite default, and exits 0", async () => {
    const cwd = tempDir("demo");
    const human = await baton(["demo"], { cwd });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stderr).toBe("");
    expect(human.stdout).toContain('"triage issues in repo acme/site"');
    expect(human.stdout).toMatch(/✓ the researcher searches acme\/site .* permitted/);
    expect(human.stdout).toContain("scope_widened: ");
    expect(human.stdout).toContain("approval_required: ");
    expect(human.stdout).toContain("revoked: ");
    expect(human.stdout).toContain("Delegation tree");
    expect(human.stdout).toContain("Every step turned out as expected.");

    // The second run writes a new intent into the same default store (./data/baton.db).
    const json = await baton(["demo", "--json"], { cwd });
    expect(json.code, json.stderr).toBe(0);
    const story = JSON.parse(json.stdout) as {
      ok: boolean;
      intent: string;
      dbPath: string;
      steps: { id: string; allow: boolean; code: string }[];
    };
    expect(story.ok).toBe(true);
    expect(story.dbPath).toBe("./data/baton.db");
    const codes = Object.fromEntries(story.steps.map((s) => [s.id, s.code]));
    expect(codes).toMatchObject({
      widen: "scope_widened",
      "mcp-search": "permitted",
      "mcp-outside": "args_rejected",
      "approval-wait": "approval_required",
      "approval-pass": "permitted",
      "revoked-search": "revoked",
    });

    // Afterwards the graph command shows the demo's intent from the same store.
    const graph = await baton(
      ["graph", "--intent", story.intent, "--db", "./data/baton.db", "--format", "tree", "--findings"],
      { cwd },
    );
    expect(graph.code, graph.stderr).toBe(0);
    expect(graph.stdout).toContain(story.intent);
    expect(graph.stdout).toMatch(/revoked/);
    expect(graph.stdout).toContain("findings");
  });
});
