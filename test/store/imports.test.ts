/**
 * Issue 10 §5: the store's modules form no import cycle (types.ts → audit.ts → records.ts →
 * types.ts was one), and the audit event model (types, schema, hashing, sealing, checkpoints) is
 * pure core code that imports nothing outside src/core.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function imports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/(?:import|export)[^;]*?from\s+"([^"]+)"/gs)) {
    const spec = m[1] as string;
    out.push(spec.startsWith(".") ? normalize(join(dirname(file), spec)) : spec);
  }
  return out;
}

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("store and audit-model imports", () => {
  it("has no import cycle among the store's modules", () => {
    const files = tsFiles("src/store");
    const graph = new Map(files.map((f) => [f, imports(f).filter((d) => d.startsWith("src/store/"))]));
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const walk = (file: string, path: string[]) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "open") {
        cycles.push([...path.slice(path.indexOf(file)), file].join(" → "));
        return;
      }
      state.set(file, "open");
      for (const dep of graph.get(file) ?? []) walk(dep, [...path, file]);
      state.set(file, "done");
    };
    for (const file of files) walk(file, []);
    expect(cycles).toEqual([]);
  });

  it("keeps the audit model in core, importing nothing outside src/core but zod", () => {
    for (const file of tsFiles("src/core/audit")) {
      for (const dep of imports(file)) {
        const inCore = dep.startsWith("src/core/");
        expect(inCore || dep === "zod", `${relative(ROOT, join(ROOT, file))} imports ${dep}`).toBe(true);
      }
    }
    for (const file of tsFiles("src/store")) {
      expect(
        readFileSync(join(ROOT, file), "utf8"),
        `${file} should import the event model from core`,
      ).not.toMatch(/export const (AUDIT_EVENT_TYPES|GENESIS_HASH)|function (hashAuditEvent|sealAuditEvent)/);
    }
  });
});
