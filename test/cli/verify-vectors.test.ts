import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type AatVector, loadAatVectors } from "../fixtures/aat-vectors.ts";
import { baton, tempDir } from "./helpers.ts";

const file = loadAatVectors();
/** A spread of verdicts and steps: plain AAT chains, no Baton claims. */
const PICKED = ["J.1", "J.6.6", "J.6.1", "J.5", "J.11", "J.20.5"];
let dir: string;

beforeAll(() => {
  dir = tempDir("vectors");
  const anchors = file.trust_anchors.map((a) => ({ issuer: a.iss, jwk: a.jwk }));
  writeFileSync(join(dir, "anchors.json"), JSON.stringify(anchors));
  for (const v of file.vectors) {
    writeFileSync(
      join(dir, `${v.id}.json`),
      JSON.stringify({ aat_chain: v.chain_compact, aat_pop: v.pop.compact }),
    );
    writeFileSync(join(dir, `${v.id}.args.json`), JSON.stringify(v.args));
  }
});

function policyFlags(v: AatVector): string[] {
  const flags: string[] = [];
  if (v.policy.require_pop_aud) flags.push("--require-pop-aud");
  if (v.policy.require_chain_aud) flags.push("--require-chain-aud");
  if (v.policy.nonce !== undefined) flags.push("--accept-nonce", v.policy.nonce);
  return flags;
}

describe("baton verify --now replays the AAT -02 vectors", () => {
  it("denies at 6b an argument number that is not admissible as written, and refuses a duplicate member", async () => {
    const v = file.vectors.find((x) => x.id === "J.1") as AatVector;
    const common = [
      "--trust",
      "anchors.json",
      "--aud",
      file.params.audience,
      "--now",
      String(v.now),
      "--json",
    ];
    const [big, dup] = await Promise.all([
      baton(
        [
          "verify",
          "--presentation",
          "J.1.json",
          "--tool",
          v.tool,
          "--args",
          '{"path":"/data/q3-report.pdf","n":9007199254740993}',
          ...common,
        ],
        { cwd: dir },
      ),
      baton(
        [
          "verify",
          "--presentation",
          "J.1.json",
          "--tool",
          v.tool,
          "--args",
          '{"path":"/a","path":"/a"}',
          ...common,
        ],
        { cwd: dir },
      ),
    ]);
    expect(big.code).toBe(1);
    expect(JSON.parse(big.stdout)).toMatchObject({
      allow: false,
      code: "args_rejected",
      step: "6b",
      token: 0,
    });
    expect(dup.code).toBe(2);
    expect(dup.stdout).toBe("");
  });

  it(`gives the expected verdict and exit code for ${PICKED.join(", ")}`, async () => {
    const vectors = PICKED.map((id) => file.vectors.find((v) => v.id === id) as AatVector);
    expect(vectors.every(Boolean)).toBe(true);
    const results = await Promise.all(
      vectors.map((v) =>
        baton(
          [
            "verify",
            "--presentation",
            `${v.id}.json`,
            "--tool",
            v.tool,
            "--args",
            `@${v.id}.args.json`,
            "--trust",
            "anchors.json",
            "--aud",
            file.params.audience,
            "--now",
            String(v.now),
            "--json",
            ...policyFlags(v),
          ],
          { cwd: dir },
        ),
      ),
    );
    vectors.forEach((v, i) => {
      const r = results[i];
      const decision = JSON.parse(r?.stdout ?? "") as { allow: boolean; step: string | null };
      const expected = v.expected.verdict === "PERMIT";
      expect({ id: v.id, allow: decision.allow, exit: r?.code }).toEqual({
        id: v.id,
        allow: expected,
        exit: expected ? 0 : 1,
      });
      // The step is advisory (draft App. E), but these vectors name one step unambiguously.
      if (!expected) expect({ id: v.id, step: decision.step }).toEqual({ id: v.id, step: v.expected.step });
    });
  });
});
