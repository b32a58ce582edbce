/**
 * Issue 10 §5 for the CLI: commands reach Baton's state only through the {@link Backend} (the trust
 * facade locally, HTTP remotely), never a store or the raw HTTP helper; no file cycle between the
 * inspection model and the renderer.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const CLI = join(process.cwd(), "src/cli");

function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:from|import\()\s*"([^"]+)"/g)].map((m) => m[1] as string);
}

describe("the CLI's doors", () => {
  it("no command opens a store or talks HTTP itself: only the backend does", () => {
    for (const f of readdirSync(join(CLI, "commands"))) {
      for (const i of imports(join(CLI, "commands", f))) {
        // Types of the store's records are data; opening one is not.
        if (i.endsWith("store/types.ts")) continue;
        expect(i, `commands/${f} imports ${i}`).not.toMatch(
          /store\/|\/remote\.ts$|\/trust\.ts$|local-trust\.ts$/,
        );
      }
    }
  });

  it("inspection.ts does not import render.ts (the model does not depend on its renderer)", () => {
    expect(imports(join(CLI, "inspection.ts"))).not.toContain("./render.ts");
  });
});
