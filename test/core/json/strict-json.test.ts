import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseFast } from "../../../src/core/json/fast-strict.ts";
import { isAdmissible, parseStrictJson } from "../../../src/core/json/strict-json.ts";

describe("strict JSON (AAT -02 §3.1, steps 3b/4b/7b)", () => {
  it("refuses duplicate member names, at any depth, in both parsers", () => {
    for (const text of ['{"a":1,"a":2}', '{"x":{"b":true,"b":true}}', '[{"k":"v","k":"v"}]']) {
      expect(parseFast(text).ok).toBe(false);
      expect(parseStrictJson(text).ok).toBe(false);
    }
  });

  it("keeps a member named __proto__ as plain data, never as a prototype", () => {
    const r = parseFast('{"__proto__":{"polluted":true},"a":1}');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const v = r.parsed.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.hasOwn(v, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("records top-level numbers written with a fraction or exponent (integer claims refuse them)", () => {
    const r = parseFast('{"iat":1704067200.0,"exp":1.7e9,"del_depth":0,"x":{"y":1.5}}');
    expect(r.ok && [...r.parsed.nonIntegerTop].sort()).toEqual(["exp", "iat"]);
  });

  it("records inadmissible numbers by path instead of silently rounding them", () => {
    const r = parseFast('{"a":[1,9007199254740993],"b":9007199254740994,"c":1e400}');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.parsed.inadmissible).toEqual([["a", 1], ["c"]]);
  });

  it("decides admissibility as the draft does: the JCS form must denote the number as written", () => {
    expect(isAdmissible("9007199254740993")).toBe(false); // 2^53 + 1
    expect(isAdmissible("9007199254740994")).toBe(true); // 2^53 + 2
    expect(isAdmissible("1.50")).toBe(true);
    expect(isAdmissible("1e2")).toBe(true);
    expect(isAdmissible("0.1")).toBe(true);
    expect(isAdmissible("-0")).toBe(true);
    expect(isAdmissible("1e400")).toBe(false);
    expect(isAdmissible("0.300000000000000000000001")).toBe(false);
  });

  it("refuses hostile nesting before recursing", () => {
    const deep = `${"[".repeat(200)}${"]".repeat(200)}`;
    expect(parseFast(deep).ok).toBe(false);
    expect(parseStrictJson(deep).ok).toBe(false);
  });

  it("refuses what RFC 8259 refuses", () => {
    for (const text of [
      "",
      "01",
      "[1,]",
      '{"a":1,}',
      "'a'",
      '"\u0001"',
      "NaN",
      "-",
      "1.",
      ".5",
      '{"a" 1}',
      "[1] x",
      "tru",
    ]) {
      expect(parseFast(text).ok, text).toBe(false);
    }
  });

  it("agrees with JSON.parse on every valid document without duplicates", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        const text = JSON.stringify(v);
        const r = parseFast(text);
        expect(r.ok).toBe(true);
        if (r.ok) expect(JSON.stringify(r.parsed.value)).toBe(JSON.stringify(JSON.parse(text)));
      }),
      { numRuns: 500 },
    );
  });
});
