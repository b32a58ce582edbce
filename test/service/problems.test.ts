import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { REVOCATION_CODES } from "../../src/core/revocation/codes.ts";
import { SERVICE_PROBLEMS } from "../../src/service/problems.ts";

const spec = readFileSync(new URL("../../specs/http.md", import.meta.url), "utf8");

/** The `code` rows of the table under a heading. */
function tableRows(heading: string): Map<string, string[]> {
  const start = spec.indexOf(`### ${heading}`);
  if (start < 0) throw new Error(`no section "${heading}" in specs/http.md`);
  const end = spec.indexOf("\n#", start + 4);
  const rows = new Map<string, string[]>();
  for (const line of spec.slice(start, end < 0 ? undefined : end).split("\n")) {
    const m = /^\|\s*`([a-z_]+)`\s*\|(.*)$/.exec(line);
    if (m)
      rows.set(
        m[1] as string,
        (m[2] as string).split("|").map((c) => c.trim()),
      );
  }
  return rows;
}

describe("problem codes and specs/http.md", () => {
  it("documents every service problem with its status, and nothing else", () => {
    const rows = tableRows("Service problems");
    expect([...rows.keys()].sort()).toEqual(Object.keys(SERVICE_PROBLEMS).sort());
    for (const [code, p] of Object.entries(SERVICE_PROBLEMS))
      expect(rows.get(code)?.[0], code).toBe(String(p.status));
  });

  it("documents every revocation refusal, and nothing else", () => {
    expect([...tableRows("Revocation refusals").keys()].sort()).toEqual(Object.keys(REVOCATION_CODES).sort());
  });

  it("keeps service and revocation codes apart from each other", () => {
    for (const code of Object.keys(SERVICE_PROBLEMS)) expect(code in REVOCATION_CODES).toBe(false);
  });
});
