import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runDemo } from "../../src/demo/story.ts";

const dir = mkdtempSync(join(tmpdir(), "baton-demo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the end-to-end demo", () => {
  it("turns out as the story says, on a fresh SQLite store", async () => {
    const r = await runDemo({ dbPath: join(dir, "baton.db") });
    const code = (id: string) => r.steps.find((s) => s.id === id)?.code;
    const allow = (id: string) => r.steps.find((s) => s.id === id)?.allow;

    expect(allow("grant")).toBe(true);
    expect(allow("derive-researcher")).toBe(true);
    expect(allow("derive-fixer")).toBe(true);
    expect(code("widen")).toBe("scope_widened");
    expect(code("redelegate")).toBe("depth_exceeded");
    expect(code("mcp-search")).toBe("permitted");
    expect(code("mcp-outside")).toBe("args_rejected");
    expect(code("http-write")).toBe("permitted");
    expect(code("http-traversal")).toBe("args_rejected");
    expect(code("approval-wait")).toBe("approval_required");
    expect(code("approval-pass")).toBe("permitted");
    expect(code("approval-reuse")).toBe("approval_required");
    expect(allow("revoke")).toBe(true);
    expect(code("revoked-search")).toBe("revoked");
    expect(code("revoked-write")).toBe("revoked");

    // The tree shows the three tokens with their statuses; the audit chain is intact.
    expect(r.tree).toContain("revoked");
    expect(r.tree).toMatch(/revoked by ancestor/);
    expect(r.audit.chainOk).toBe(true);
    expect(r.audit.trail.some((l) => l.includes("decision deny revoked"))).toBe(true);
    expect(r.ok).toBe(true);
  });
});
