import { describe, expect, it } from "vitest";
import { canonicalize } from "../../../src/core/json/canonicalize.ts";

describe("canonicalize (RFC 8785)", () => {
  it("writes the RFC 8785 §3.2.2 sample as the RFC does", () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    );
    expect(canonicalize(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it("sorts members by UTF-16 code units, drops what JSON drops and writes -0 as 0", () => {
    expect(canonicalize({ "\u{1F600}": 1, "\uFB33": 2, b: undefined, a: [undefined, () => 1, -0] })).toBe(
      '{"a":[null,null,0],"\u{1F600}":1,"\uFB33":2}',
    );
    expect(canonicalize(undefined)).toBeUndefined();
    expect(canonicalize({ toJSON: () => ({ y: 1, x: 2 }) })).toBe('{"x":2,"y":1}');
  });

  it("refuses what JSON cannot hold: NaN, infinities, lone surrogates, cycles", () => {
    expect(() => canonicalize([Number.NaN])).toThrow(/NaN/);
    expect(() => canonicalize({ a: Number.POSITIVE_INFINITY })).toThrow(/Infinity/);
    expect(() => canonicalize(["\uD800"])).toThrow(/surrogate/);
    expect(() => canonicalize({ "\uDC00": 1 })).toThrow(/surrogate/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalize(cyclic)).toThrow(/Circular/);
    const shared = { v: 1 };
    expect(canonicalize([shared, shared])).toBe('[{"v":1},{"v":1}]');
  });

  it("handles nesting far deeper than the call stack (no recursion)", () => {
    let v: unknown = 1;
    for (let i = 0; i < 200_000; i++) v = i % 2 ? [v] : { k: v };
    const out = canonicalize(v) as string;
    expect(out.length).toBeGreaterThan(400_000);
    expect(out.endsWith("}]}]")).toBe(true);
  });
});
