/**
 * Runs the constraint module over the AAT -02 JWS vectors: the steps it decides (3n/4o, 4p1-4p4, 6b)
 * must agree with each vector, and a PERMIT vector must pass every check. This reads the display
 * `payload` JSON; the chain verifier's own tests consume the compact tokens.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  checkInvocation,
  checkToolsWellFormed,
  type JsonValue,
  narrowsTools,
} from "../../../src/core/constraints/index.ts";

const VECTORS = fileURLToPath(new URL("../../vectors/aat/aat-jws-vectors.json", import.meta.url));

interface Vector {
  id: string;
  tool: string;
  args: Record<string, JsonValue>;
  chain: { payload: { authorization_details?: unknown } }[];
  expected: { verdict: "PERMIT" | "DENY"; step: string | null };
}

function loadVectors(): Vector[] {
  return (JSON.parse(readFileSync(VECTORS, "utf8")) as { vectors: Vector[] }).vectors;
}

/** §8 4n: a token's AAT entry's tools, or the empty capability set when it has none. */
function toolsOf(payload: { authorization_details?: unknown }): unknown {
  const details = Array.isArray(payload.authorization_details) ? payload.authorization_details : [];
  const entry = details.find(
    (e): e is { tools: unknown } =>
      typeof e === "object" && e !== null && (e as { type?: unknown }).type === "attenuating_agent_token",
  );
  return entry === undefined ? {} : entry.tools;
}

/** The first step this module fails, in §8 order, or null when all of 3n, 4o, 4p and 6b pass. */
function firstFailure(v: Vector): string | null {
  const tools = v.chain.map((t) => toolsOf(t.payload));
  for (let i = 0; i < tools.length; i++) {
    if (checkToolsWellFormed(tools[i], { maxConstraintDepth: 32 })) return i === 0 ? "3n" : "4o";
    if (i > 0) {
      const n = narrowsTools(tools[i - 1] as never, tools[i] as never);
      if (n) return n.step;
    }
  }
  return checkInvocation(tools[tools.length - 1] as never, v.tool, v.args) ? "6b" : null;
}

const MODULE_STEPS = new Set(["3n", "4o", "3n/4o", "4p1", "4p2", "4p3", "4p4", "6b"]);

/**
 * Vectors whose cited step this module reports differently, with the reason. J.8.3 cites 6b for an
 * unknown constraint_type, but §8 3n already rejects it ("every constraint in it is of a type this
 * enforcement point implements"); the vector's own note says both are conformant, and the newer
 * upstream revision of the vector cites 3n/4o.
 */
const STEP_OVERRIDES: Record<string, string> = { "J.8.3": "3n" };

const vectors = loadVectors();

describe("AAT -02 JWS vectors (constraint steps)", () => {
  it("has the expected vector file", () => {
    expect(vectors.length).toBe(79);
  });

  for (const v of vectors) {
    const step = v.expected.step;
    if (v.expected.verdict === "PERMIT") {
      it(`${v.id}: PERMIT passes every constraint check`, () => expect(firstFailure(v)).toBeNull());
    } else if (step !== null && MODULE_STEPS.has(step)) {
      it(`${v.id}: DENY at ${step}`, () => {
        const got = firstFailure(v);
        const want = STEP_OVERRIDES[v.id] ?? step;
        if (want === "3n/4o") expect(["3n", "4o"]).toContain(got);
        else expect(got).toBe(want);
      });
    } else {
      // Denied elsewhere (signatures, times, PoP...): the constraint content itself is valid.
      it(`${v.id}: DENY at ${step} is not a constraint failure`, () => expect(firstFailure(v)).toBeNull());
    }
  }
});
