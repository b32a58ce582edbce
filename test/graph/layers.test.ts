import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FINDING_IDS, TOKEN_STATUSES } from "../../src/core/graph/index.ts";

const CORE_GRAPH = join(process.cwd(), "src/core/graph");

describe("the graph model", () => {
  it("is pure: no store, service, fastify, file system, environment or clock in src/core/graph", () => {
    for (const file of readdirSync(CORE_GRAPH)) {
      const text = readFileSync(join(CORE_GRAPH, file), "utf8");
      const imports = [...text.matchAll(/from "([^"]+)"/g)].map((m) => m[1] as string);
      for (const i of imports) {
        expect(i, `${file} imports ${i}`).not.toMatch(/store\/|service\/|cli\/|^fastify|^node:/);
      }
      expect(text, file).not.toMatch(/Date\.now\(|process\.env|performance\.now\(/);
    }
  });

  it("documents every status and finding id in specs/graph.md, and no other finding id", () => {
    const spec = readFileSync(join(process.cwd(), "specs/graph.md"), "utf8");
    for (const s of TOKEN_STATUSES) expect(spec).toContain(`\`${s}\``);
    for (const id of FINDING_IDS) expect(spec).toContain(`\`${id}\``);
    const mentioned = new Set([...spec.matchAll(/`(F-[A-Z-]+)`/g)].map((m) => m[1]));
    expect([...mentioned].sort()).toEqual([...FINDING_IDS].sort());
  });
});
