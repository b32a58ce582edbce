import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DECISION_CODES } from "../../src/core/errors.ts";
import { REVOCATION_CODES } from "../../src/core/revocation/codes.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CORE = join(ROOT, "src/core");

interface Row {
  code: string;
  meaning: string;
  steps: string[];
  example: string;
}

/** The rows of the table whose header is `| code | meaning | step(s) | example message |`. */
function catalogRows(markdown: string): Row[] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) =>
    /^\|\s*code\s*\|\s*meaning\s*\|\s*step\(s\)\s*\|\s*example message\s*\|$/.test(l),
  );
  if (start === -1) throw new Error("specs/errors.md has no code table");
  const rows: Row[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    // Split on cell pipes only: a pipe inside backticks would be content (none is used today).
    const cells = line
      .slice(1, -1)
      .split(" | ")
      .map((c) => c.trim());
    const [code = "", meaning = "", steps = "", example = ""] = cells;
    rows.push({
      code: code.replace(/^`|`$/g, ""),
      meaning,
      steps: steps.split(",").flatMap((s) => expandSteps(s.trim())),
      example: example.replace(/^`|`$/g, ""),
    });
    expect(cells, line).toHaveLength(4);
  }
  return rows;
}

/** `4p1–4p4` → 4p1, 4p2, 4p3, 4p4; any other id stays as it is. */
function expandSteps(s: string): string[] {
  const m = /^(\d[a-z])(\d)–\1(\d)$/.exec(s);
  if (!m) return [s];
  const out: string[] = [];
  for (let i = Number(m[2]); i <= Number(m[3]); i++) out.push(`${m[1]}${i}`);
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

const rows = catalogRows(readFileSync(join(ROOT, "specs/errors.md"), "utf8"));
const byCode = new Map(rows.map((r) => [r.code, r]));
const STEP_ID = /^(?:[1-8]|[2-7][a-z]|4[bp][1-5]|B[0-8])$/;

describe("the decision-code catalog (specs/errors.md)", () => {
  it("lists every code of DECISION_CODES, and nothing else", () => {
    const documented = rows.map((r) => r.code);
    expect(new Set(documented).size, "a code is listed twice").toBe(documented.length);
    expect([...documented].sort()).toEqual(Object.keys(DECISION_CODES).sort());
  });

  it("gives every code a meaning, §8 or Baton profile steps, and an example message", () => {
    for (const r of rows) {
      expect(r.meaning.length, r.code).toBeGreaterThan(10);
      expect(r.example.length, r.code).toBeGreaterThan(5);
      expect(r.steps.length, r.code).toBeGreaterThan(0);
      for (const s of r.steps) expect(s, `${r.code}: step "${s}"`).toMatch(STEP_ID);
    }
  });

  it("lists, for each code, every step the verifier reports it at", () => {
    const chainDir = join(CORE, "chain");
    const pairs = /\bfailure\(\s*"([a-z_]+)",\s*"([0-9a-zB]+)"/g;
    let seen = 0;
    for (const file of sourceFiles(chainDir)) {
      for (const m of readFileSync(file, "utf8").matchAll(pairs)) {
        const [, code = "", step = ""] = m;
        seen++;
        expect(byCode.get(code)?.steps, `${relative(ROOT, file)}: ${code} at ${step}`).toContain(step);
      }
    }
    expect(seen).toBeGreaterThan(40);
  });

  it("holds every code literal used in src/core", () => {
    const patterns = [/\bfailure\(\s*"([a-z_]+)"/g, /\bcode:\s*"([a-z_]+)"/g];
    const claimFail = /\bfail\(\s*"([a-z_]+)"/g; // ClaimFailure codes in token/claims.ts
    const missing: string[] = [];
    let seen = 0;
    for (const file of sourceFiles(CORE)) {
      const text = readFileSync(file, "utf8");
      const rel = relative(ROOT, file);
      const found = patterns.flatMap((p) => [...text.matchAll(p)].map((m) => m[1] ?? ""));
      if (rel.endsWith("token/claims.ts"))
        found.push(...[...text.matchAll(claimFail)].map((m) => m[1] ?? ""));
      for (const code of found) {
        seen++;
        // Revocation-request refusals have their own catalog (REVOCATION_CODES, specs/http.md).
        if (rel.startsWith("src/core/revocation/") && Object.hasOwn(REVOCATION_CODES, code)) continue;
        if (!byCode.has(code)) missing.push(`${rel}: ${code}`);
      }
    }
    expect(seen).toBeGreaterThan(50);
    expect(missing).toEqual([]);
  });

  it("documents the Baton profile steps B0–B8", () => {
    const md = readFileSync(join(ROOT, "specs/errors.md"), "utf8");
    for (let i = 0; i <= 8; i++) expect(md).toMatch(new RegExp(`^\\|\\s*B${i}\\s*\\|\\s*\\S`, "m"));
  });
});
