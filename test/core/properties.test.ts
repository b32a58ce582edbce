import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { derive, grant, prove } from "../../src/core/chain/issue.ts";
import { Verifier } from "../../src/core/chain/verify.ts";
import { checkChainTimes, verifyChainStatic } from "../../src/core/chain/verify-chain.ts";
import { checkInvocation, type JsonValue, type ToolsMap } from "../../src/core/constraints/index.ts";
import { AgentKey } from "../../src/core/keys/agent-key.ts";
import { decodeToken } from "../../src/core/token/decode.ts";

const seed = (b: number) => new Uint8Array(32).fill(b);
const principal = AgentKey.fromSeed(seed(0x11), "principal");
const agents = [0x12, 0x13, 0x14, 0x15].map((b) => AgentKey.fromSeed(seed(b)));
const ISSUER = "https://principal.example";
const AUD = "https://tools.example";
const anchors = [{ issuer: ISSUER, jwk: principal.publicJwk }];
const NOW = 1_800_000_000;

// Small value domains make collisions (and so permits) likely.
const value = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom("a", "b", "c"));
const constraint: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constant({ constraint_type: "wildcard" }),
  value.map((v) => ({ constraint_type: "exact", value: v })),
  fc
    .uniqueArray(value, { minLength: 1, maxLength: 4, selector: (v) => JSON.stringify(v) })
    .map((vs) => ({ constraint_type: "one_of", values: vs })),
  fc
    .uniqueArray(value, { maxLength: 3, selector: (v) => JSON.stringify(v) })
    .map((vs) => ({ constraint_type: "not_one_of", excluded: vs })),
  fc
    .tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }))
    .map(([a, b]) => ({ constraint_type: "range", min: Math.min(a, b), max: Math.max(a, b) })),
);
const argNames = ["x", "y"] as const;
const toolsArb: fc.Arbitrary<ToolsMap> = fc.dictionary(
  fc.constantFrom("t1", "t2", "t3"),
  fc.record({ x: constraint, y: constraint }, { requiredKeys: [] }) as fc.Arbitrary<
    Record<string, JsonValue>
  >,
  { minKeys: 1, maxKeys: 3 },
);
const argsArb = fc.record({ x: value, y: value }, { requiredKeys: [] }) as fc.Arbitrary<
  Record<string, JsonValue>
>;

/** A child tools map that is often a real narrowing: a subset of the parent's tools, each arg kept or pinned. */
function narrowed(parent: ToolsMap, picks: number[], pins: JsonValue[]): ToolsMap {
  const out: ToolsMap = {};
  Object.keys(parent).forEach((tool, i) => {
    if ((picks[i] ?? 0) % 3 === 0) return; // drop the tool
    const map: Record<string, JsonValue> = {};
    for (const [arg, c] of Object.entries(parent[tool]!)) {
      const pinnable = (c as { constraint_type?: string }).constraint_type === "wildcard";
      map[arg] =
        (picks[i] ?? 0) % 3 === 2 && pinnable ? { constraint_type: "exact", value: pins[i] ?? 0 } : c;
    }
    out[tool] = map;
  });
  return out;
}

let minted = 0;

function rootChain(tools: ToolsMap, maxDepth = 4): string[] {
  const g = grant({ key: principal, issuer: ISSUER, to: agents[0]!, tools, ttl: 3600, maxDepth, now: NOW });
  if (!g.ok) throw new Error(g.message);
  return g.value;
}

describe("properties of derive() and verify()", () => {
  it("whatever derive() mints passes I1–I5 (the verifier's static and time checks)", () => {
    fc.assert(
      fc.property(
        toolsArb,
        fc.array(
          fc.tuple(
            toolsArb,
            fc.integer({ min: 1, max: 3700 }),
            fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
            fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
            fc.array(value, { minLength: 3, maxLength: 3 }),
            fc.boolean(),
          ),
          { minLength: 1, maxLength: 3 },
        ),
        (rootTools, steps) => {
          let chain = rootChain(rootTools);
          let parentTools = rootTools;
          for (let i = 0; i < steps.length; i++) {
            const [random, ttl, maxDepth, picks, pins, useRandom] = steps[i]!;
            const tools = useRandom ? random : narrowed(parentTools, picks, pins);
            const d = derive(chain, {
              key: agents[i]!,
              to: agents[i + 1]!,
              tools,
              ttl,
              now: NOW,
              ...(maxDepth !== undefined ? { maxDepth } : {}),
            });
            if (!d.ok) return; // refusing is always allowed; minting an invalid token is not
            minted++;
            parentTools = tools;
            chain = d.value;
            const v = verifyChainStatic(chain, anchors, { ...DEFAULTS });
            expect(v.ok ? "ok" : `${v.code}: ${v.message}`).toBe("ok");
            if (v.ok) expect(checkChainTimes(v.tokens, NOW, DEFAULTS)).toBeNull();
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(minted).toBeGreaterThan(40); // the property must exercise real derivations
  });

  it("permits a call only if every token's constraint map admits it", async () => {
    await fc.assert(
      fc.asyncProperty(
        toolsArb,
        toolsArb,
        fc.constantFrom("t1", "t2", "t3"),
        argsArb,
        async (rootTools, childTools, tool, args) => {
          let chain = rootChain(rootTools);
          let holder = agents[0]!;
          const d = derive(chain, { key: agents[0]!, to: agents[1]!, tools: childTools, ttl: 600, now: NOW });
          if (d.ok) {
            chain = d.value;
            holder = agents[1]!;
          }
          const p = prove(chain, { key: holder, tool, args, now: NOW, aud: AUD });
          if (!p.ok) throw new Error(p.message);
          const decision = await new Verifier({ trustAnchors: anchors, audience: AUD }).verify({
            presentation: p.value,
            tool,
            args,
            now: NOW,
          });
          if (!decision.allow) return;
          for (let i = 0; i < chain.length; i++) {
            const t = decodeToken(chain[i]!, i);
            if (!t.ok) throw new Error(t.message);
            expect(checkInvocation(t.value.token.claims.tools ?? {}, tool, args)).toBeNull();
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never permits after flipping any byte of any token or of the PoP", async () => {
    const tools: ToolsMap = { t1: { x: { constraint_type: "range", min: 0, max: 5 } } };
    let chain = rootChain(tools);
    const d = derive(chain, { key: agents[0]!, to: agents[1]!, tools, ttl: 600, now: NOW });
    if (!d.ok) throw new Error(d.message);
    chain = d.value;
    const args = { x: 3 };
    const p = prove(chain, { key: agents[1]!, tool: "t1", args, now: NOW, aud: AUD });
    if (!p.ok) throw new Error(p.message);
    const verifier = new Verifier({ trustAnchors: anchors, audience: AUD });
    expect((await verifier.verify({ presentation: p.value, tool: "t1", args, now: NOW })).allow).toBe(true);
    const parts = [...p.value.aat_chain, p.value.aat_pop];
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: parts.length - 1 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (which, at, mask) => {
          const s = parts[which]!;
          const pos = at % s.length;
          const flipped = s.slice(0, pos) + String.fromCharCode(s.charCodeAt(pos) ^ mask) + s.slice(pos + 1);
          if (flipped === s) return;
          const presentation =
            which < chain.length
              ? { aat_chain: chain.map((c, i) => (i === which ? flipped : c)), aat_pop: p.value.aat_pop }
              : { aat_chain: chain, aat_pop: flipped };
          // The same (warm) verifier: a cached good chain must not let a tampered one through.
          const r = await verifier.verify({ presentation, tool: "t1", args, now: NOW });
          expect(r.allow).toBe(false);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

import { DEFAULT_LIMITS } from "../../src/core/chain/options.ts";

const DEFAULTS = { ...DEFAULT_LIMITS };
void argNames;
