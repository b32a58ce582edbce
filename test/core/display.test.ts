import { describe, expect, it } from "vitest";
import { escapeText, quote, showJson } from "../../src/core/display.ts";

describe("display: outside strings in messages", () => {
  it("escapes C0/C1 controls, DEL, line separators and bidi controls", () => {
    const s = quote("a\nb\u001b[2J\u0085\u009b\u007f\u2028\u202e\u2066z");
    expect(s).toBe('"a\\nb\\u001b[2J\\u0085\\u009b\\u007f\\u2028\\u202e\\u2066z"');
  });
  it("escapes every bidi mark, the Arabic letter mark U+061C included (review, low)", () => {
    expect(quote("a\u061cb\u200ec\u200fd")).toBe('"a\\u061cb\\u200ec\\u200fd"');
    expect(escapeText("x\u061c", 64, false)).toBe("x\\u061c");
    expect(showJson("\u061c")).toBe('"\\u061c"');
  });
  it("escapes quotes and backslashes in a quoted literal, so it cannot end early", () => {
    expect(quote('x" PERMIT "y\\')).toBe('"x\\" PERMIT \\"y\\\\"');
  });
  it("cuts long strings with an ellipsis, never splitting a surrogate pair", () => {
    expect(quote("x".repeat(100))).toBe(`"${"x".repeat(64)}…"`);
    expect(escapeText(`${"x".repeat(63)}😀`, 64)).toBe(`${"x".repeat(63)}…`);
    expect(escapeText("\ud800", 10)).toBe("\\ud800");
  });
  it("bounds JSON renderings of values too", () => {
    expect(showJson({ a: "x".repeat(200) }).length).toBeLessThanOrEqual(81);
    expect(showJson("\u0085")).toBe('"\\u0085"');
  });
});
