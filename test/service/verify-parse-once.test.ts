/**
 * POST /v1/verify parses the presentation once (issue 10 §5, "decoded is not verified"): the
 * verifier splits each compact JWS of the chain and the PoP once, and the facade records and audits
 * what the verifier verified instead of decoding the presentation again.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ARGS, delegation, present } from "../trust/fixtures.ts";
import { type AppHarness, openApp } from "./helpers.ts";

const calls = vi.hoisted(() => ({ split: 0, decode: 0 }));

vi.mock("../../src/core/token/jws.ts", async (importOriginal) => {
  const m = await importOriginal<typeof import("../../src/core/token/jws.ts")>();
  return {
    ...m,
    splitCompact: (compact: string) => {
      calls.split++;
      return m.splitCompact(compact);
    },
  };
});
vi.mock("../../src/core/token/decode.ts", async (importOriginal) => {
  const m = await importOriginal<typeof import("../../src/core/token/decode.ts")>();
  return {
    ...m,
    decodeToken: (compact: string, index: number) => {
      calls.decode++;
      return m.decodeToken(compact, index);
    },
  };
});

describe("POST /v1/verify parses the presentation once", () => {
  let t: AppHarness;
  beforeEach(async () => {
    t = await openApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it("splits each of the 3 tokens and the PoP exactly once, and decodes nothing again", async () => {
    const chain = delegation(3);
    const body = { ...present(chain), tool: "search", args: ARGS };
    calls.split = 0;
    calls.decode = 0;
    const res = await t.app.inject({ method: "POST", url: "/v1/verify", payload: body });
    expect(res.json()).toMatchObject({ allow: true, code: "permitted" });
    expect({ split: calls.split, decode: calls.decode }).toEqual({ split: chain.length + 1, decode: 0 });
  });

  it("on a chain it has seen, splits only the fresh PoP", async () => {
    const chain = delegation(3);
    await t.app.inject({
      method: "POST",
      url: "/v1/verify",
      payload: { ...present(chain), tool: "search", args: ARGS },
    });
    const again = { ...present(chain), tool: "search", args: ARGS };
    calls.split = 0;
    calls.decode = 0;
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/verify",
      payload: again,
    });
    expect(res.json()).toMatchObject({ allow: true });
    expect({ split: calls.split, decode: calls.decode }).toEqual({ split: 1, decode: 0 });
  });
});
