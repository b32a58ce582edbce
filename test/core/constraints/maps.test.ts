import { describe, expect, it } from "vitest";
import {
  type ConstraintMap,
  checkInvocation,
  checkToolsWellFormed,
  type JsonValue,
  narrowsTools,
  type ToolsMap,
} from "../../../src/core/constraints/index.ts";
import { ex, oneOf, opt, rng, WILD } from "./builders.ts";

// The J.22 fixtures of the newer upstream vector revision (§3.3, §4.5; steps 4p and 6b).
const RT = "read_text_file";
const P = "/srv/api/README.md";
const EXP = ex(P);
const lines = (max: number, optional = true) => (optional ? opt(rng({ max })) : rng({ max }));
const OPEN_MAP: ConstraintMap = { path: EXP, head: lines(200), tail: lines(200), "*": WILD };
const CLOSED_MAP: ConstraintMap = { path: EXP, head: lines(200) };
const OR: ToolsMap = { [RT]: OPEN_MAP };
const CR: ToolsMap = { [RT]: CLOSED_MAP };

/** Runs 4p for one derivation and then 6b at the leaf, like the verifier would. */
function derive(parent: ToolsMap, childMap: ConstraintMap, args: Record<string, JsonValue>) {
  const child: ToolsMap = { [RT]: childMap };
  expect(checkToolsWellFormed(child, { maxConstraintDepth: 32 })).toBeNull();
  const n = narrowsTools(parent, child);
  if (n) return n.step;
  return checkInvocation(child, RT, args) ? "6b" : "PERMIT";
}
const leaf = (tools: ToolsMap, args: Record<string, JsonValue>) =>
  checkInvocation(tools, RT, args) ? "6b" : "PERMIT";

describe("J.22: optional and unnamed arguments", () => {
  it("J.22.1 optional arguments may be omitted", () => expect(leaf(OR, { path: P })).toBe("PERMIT"));
  it("J.22.2 a present optional argument is constrained", () =>
    expect(leaf(OR, { path: P, head: 100 })).toBe("PERMIT"));
  it("J.22.3 a present optional argument that violates its constraint", () =>
    expect(leaf(OR, { path: P, head: 500 })).toBe("6b"));
  it("J.22.4 * admits an unnamed argument", () =>
    expect(leaf(OR, { path: P, encoding: "utf-8" })).toBe("PERMIT"));
  it("J.22.5 a required argument is still required", () => {
    expect(checkInvocation(OR, RT, { head: 10 })).toEqual({
      code: "args_rejected",
      arg: "path",
      message: "tool read_text_file: argument path is missing and required",
    });
  });
  it("J.22.6 without *, an unnamed argument is rejected", () => {
    expect(checkInvocation(CR, RT, { path: P, encoding: "utf-8" })).toEqual({
      code: "args_rejected",
      arg: "encoding",
      message:
        'tool read_text_file: argument encoding is not named by the constraint map, which has no "*" entry',
    });
  });
  it("J.22.7 optional -> required narrows", () =>
    expect(derive(CR, { path: EXP, head: lines(100, false) }, { path: P, head: 50 })).toBe("PERMIT"));
  it("J.22.8 required -> optional is rejected at 4p3", () => {
    const n = narrowsTools(CR, { [RT]: { path: opt(EXP), head: lines(200) } });
    expect(n).toEqual({
      step: "4p3",
      tool: RT,
      arg: "path",
      message: "tool read_text_file: argument path is required by the parent but optional in the child",
    });
  });
  it("J.22.9 omitting an optional argument forbids it", () =>
    expect(derive(CR, { path: EXP }, { path: P, head: 10 })).toBe("6b"));
  it("J.22.10 omitting an optional argument; invocation without it", () =>
    expect(derive(CR, { path: EXP }, { path: P })).toBe("PERMIT"));
  it("J.22.11 omitting a required argument is rejected at 4p2", () => {
    expect(narrowsTools(CR, { [RT]: { head: lines(200) } })).toEqual({
      step: "4p2",
      tool: RT,
      arg: "path",
      message: "tool read_text_file: argument path is required by the parent and cannot be omitted",
    });
  });
  it("J.22.12 constraining an argument the parent admitted via *; value refused", () =>
    expect(derive(OR, { ...OPEN_MAP, encoding: ex("utf-8") }, { path: P, encoding: "latin-1" })).toBe("6b"));
  it("J.22.13 constraining an argument the parent admitted via *; value allowed", () =>
    expect(derive(OR, { ...OPEN_MAP, encoding: ex("utf-8") }, { path: P, encoding: "utf-8" })).toBe(
      "PERMIT",
    ));
  it("J.22.14 adding * when the parent has none", () => {
    const n = narrowsTools(CR, { [RT]: { ...CLOSED_MAP, "*": WILD } });
    expect(n?.step).toBe("4p2");
    expect(n?.message).toBe(
      'tool read_text_file: child adds a "*" entry (or an empty map) the parent does not have',
    );
  });
  it("J.22.14 (variant) an empty child map is * too", () =>
    expect(narrowsTools(CR, { [RT]: {} })?.step).toBe("4p2"));
  it("J.22.15 naming an argument the parent neither names nor admits", () => {
    expect(narrowsTools(CR, { [RT]: { ...CLOSED_MAP, encoding: WILD } })).toEqual({
      step: "4p2",
      tool: RT,
      arg: "encoding",
      message: 'tool read_text_file: argument encoding is not named by the parent, which has no "*" entry',
    });
  });
  it("J.22.16 omitting an optional argument but keeping *", () => {
    const n = narrowsTools(OR, { [RT]: { path: EXP, tail: lines(200), "*": WILD } });
    expect(n?.step).toBe("4p2");
    expect(n?.arg).toBe("head");
    expect(n?.message).toMatch(/"\*" entry would readmit it/);
  });
  it("J.22.17 an empty parent map is *", () => {
    expect(derive({ [RT]: {} }, { path: EXP, "*": WILD }, { path: P, head: 5 })).toBe("PERMIT");
  });
  it("J.22.18 optional inside all is not well-formed", () => {
    const t = { [RT]: { path: { constraint_type: "all", constraints: [opt(EXP)] } } };
    expect(checkToolsWellFormed(t, { maxConstraintDepth: 32 })).not.toBeNull();
  });
  it("J.22.19 / J.22.23 a * entry that is not a plain wildcard is not well-formed", () => {
    expect(
      checkToolsWellFormed({ [RT]: { path: EXP, "*": rng({ max: 5 }) } }, { maxConstraintDepth: 32 }),
    ).not.toBeNull();
    expect(
      checkToolsWellFormed({ [RT]: { path: EXP, "*": opt(WILD) } }, { maxConstraintDepth: 32 }),
    ).not.toBeNull();
  });
  it("J.22.20 a new optional argument under the parent's *", () =>
    expect(derive(OR, { ...OPEN_MAP, encoding: opt(ex("utf-8")) }, { path: P })).toBe("PERMIT"));
  it("J.22.21 dropping * narrows", () =>
    expect(derive(OR, { path: EXP, head: lines(200), tail: lines(200) }, { path: P, tail: 20 })).toBe(
      "PERMIT",
    ));
  it("J.22.22 dropping *; unnamed argument rejected", () =>
    expect(
      derive(OR, { path: EXP, head: lines(200), tail: lines(200) }, { path: P, encoding: "utf-8" }),
    ).toBe("6b"));
});

describe("checkInvocation", () => {
  const tools: ToolsMap = { read_file: { path: oneOf("/data/q3.pdf", "/data/q4.pdf") }, search: {} };
  it("permits a satisfying invocation", () =>
    expect(checkInvocation(tools, "read_file", { path: "/data/q3.pdf" })).toBeNull());
  it("refuses a tool the leaf does not grant", () => {
    expect(checkInvocation(tools, "delete_file", {})).toEqual({
      code: "tool_not_granted",
      message: "tool delete_file is not granted by the leaf token",
    });
  });
  it("refuses a value outside the constraint without echoing it", () => {
    const r = checkInvocation(tools, "read_file", { path: "/etc/passwd" });
    expect(r).toEqual({
      code: "args_rejected",
      arg: "path",
      message: "tool read_file: argument path does not satisfy its one_of constraint",
    });
    expect(r?.message).not.toContain("passwd");
  });
  it("an empty map admits any arguments (J.8.2)", () => {
    expect(checkInvocation(tools, "search", {})).toBeNull();
    expect(checkInvocation(tools, "search", { q: "x", n: [1, { a: null }] })).toBeNull();
  });
  it('an argument literally named "*" is unnamed', () => {
    expect(checkInvocation({ t: { a: WILD } }, "t", { a: 1, "*": 2 })?.arg).toBe("*");
    expect(checkInvocation({ t: { a: WILD, "*": WILD } }, "t", { a: 1, "*": 2 })).toBeNull();
  });
  it("refuses argument values JCS cannot represent", () => {
    expect(checkInvocation(tools, "search", { q: "\ud800" })?.code).toBe("args_rejected");
  });
  it("fails closed on a malformed map or constraint", () => {
    const bad = { t: { a: { constraint_type: "no_such_type" } } } as unknown as ToolsMap;
    expect(checkInvocation(bad, "t", { a: 1 })?.code).toBe("args_rejected");
    const badStar = { t: { "*": rng({ max: 1 }) } } as unknown as ToolsMap;
    expect(checkInvocation(badStar, "t", { a: 0 })?.code).toBe("args_rejected");
    expect(checkInvocation({ t: [] } as unknown as ToolsMap, "t", {})?.code).toBe("args_rejected");
    expect(checkInvocation(null as unknown as ToolsMap, "t", {})?.code).toBe("tool_not_granted");
    expect(checkInvocation(tools, "search", [] as unknown as Record<string, JsonValue>)?.code).toBe(
      "args_rejected",
    );
  });
  it("treats optional: false as required", () => {
    expect(checkInvocation({ t: { a: { ...WILD, optional: false } } }, "t", {})?.arg).toBe("a");
  });
});

describe("prototype keys are ordinary names", () => {
  it("a tool named __proto__ or constructor is granted only when present", () => {
    const granted = JSON.parse('{"__proto__":{"x":{"constraint_type":"exact","value":1}}}') as ToolsMap;
    expect(checkInvocation(granted, "__proto__", { x: 1 })).toBeNull();
    expect(checkInvocation(granted, "__proto__", { x: 2 })?.code).toBe("args_rejected");
    for (const name of ["constructor", "toString", "hasOwnProperty", "__proto__"]) {
      expect(checkInvocation({ read_file: {} }, name, {})?.code).toBe("tool_not_granted");
    }
  });
  it("argument names such as constructor are not satisfied by Object.prototype", () => {
    const t = { t: { constructor: ex("x") } } as ToolsMap;
    expect(checkInvocation(t, "t", {})?.message).toBe("tool t: argument constructor is missing and required");
    expect(checkInvocation({ t: { a: WILD } }, "t", JSON.parse('{"a":1,"__proto__":1}'))?.arg).toBe(
      "__proto__",
    );
    expect(checkInvocation({ t: { a: WILD } }, "t", { a: 1, toString: "x" })?.arg).toBe("toString");
  });
  it("narrowsTools does not find parent tools on the prototype", () => {
    for (const name of ["constructor", "toString", "__proto__"]) {
      const child = JSON.parse(`{${JSON.stringify(name)}:{}}`) as ToolsMap;
      expect(narrowsTools({ read_file: {} }, child)?.step).toBe("4p1");
    }
    const both = JSON.parse('{"__proto__":{"a":{"constraint_type":"wildcard"}}}') as ToolsMap;
    expect(narrowsTools(both, both)).toBeNull();
    const narrowed = JSON.parse('{"__proto__":{"a":{"constraint_type":"exact","value":1}}}') as ToolsMap;
    expect(narrowsTools(both, narrowed)).toBeNull();
    expect(narrowsTools(narrowed, both)?.step).toBe("4p4");
  });
  it("narrowsTools does not find parent arguments on the prototype", () => {
    expect(narrowsTools({ t: { a: WILD } }, { t: { a: WILD, constructor: WILD } })?.step).toBe("4p2");
  });
});

describe("narrowsTools", () => {
  const parent: ToolsMap = {
    read_file: { path: oneOf("/data/q3.pdf", "/data/q4.pdf") },
    search_index: { query: WILD, limit: rng({ max: 100 }) },
  };
  it("accepts dropping tools and narrowing constraints", () => {
    expect(narrowsTools(parent, { read_file: { path: ex("/data/q3.pdf") } })).toBeNull();
    expect(narrowsTools(parent, {})).toBeNull();
  });
  it("4p1: a tool the parent does not grant", () => {
    expect(narrowsTools(parent, { delete_file: {} })).toEqual({
      step: "4p1",
      tool: "delete_file",
      message: "tool delete_file is not granted by the parent token",
    });
  });
  it("4p4: a widened value names the tool, argument and value", () => {
    expect(narrowsTools(parent, { read_file: { path: oneOf("/data/q3.pdf", "/etc/passwd") } })).toEqual({
      step: "4p4",
      tool: "read_file",
      arg: "path",
      message: 'tool read_file: argument path: child one_of adds value "/etc/passwd" not in parent',
    });
  });
  it("4p4: subsumption ignores optional on both sides", () => {
    const p: ToolsMap = { t: { a: opt(oneOf(1, 2)) } };
    expect(narrowsTools(p, { t: { a: opt(ex(1)) } })).toBeNull();
    expect(narrowsTools(p, { t: { a: ex(1) } })).toBeNull();
    expect(narrowsTools(p, { t: { a: opt(ex(3)) } })?.step).toBe("4p4");
  });
  it("4p4: a key named only under the parent's * is checked against a wildcard", () => {
    expect(narrowsTools({ t: {} }, { t: { a: rng({ max: 1 }) } })).toBeNull();
  });
  it("checks 4p1 for all tools before key rules, and key rules before subsumption", () => {
    const widened = { read_file: { path: WILD }, search_index: { query: WILD } };
    expect(narrowsTools(parent, widened)?.step).toBe("4p2");
    expect(narrowsTools(parent, { ...widened, delete_file: {} })?.step).toBe("4p1");
  });
  it("is reflexive", () => expect(narrowsTools(parent, parent)).toBeNull());
  it("fails closed on malformed input", () => {
    const bad = { t: { a: { constraint_type: "nope" } } } as unknown as ToolsMap;
    expect(narrowsTools({ t: {} }, bad)?.step).toBe("4p4");
    expect(narrowsTools(bad, { t: { a: WILD } })?.step).toBe("4p4");
    expect(narrowsTools({ t: {} }, { t: { "*": ex(1) } } as unknown as ToolsMap)?.step).toBe("4p2");
    expect(narrowsTools({ t: {} }, { t: [] } as unknown as ToolsMap)?.step).toBe("4p2");
    expect(narrowsTools({ t: {} }, null as unknown as ToolsMap)?.step).toBe("4p1");
    expect(narrowsTools(null as unknown as ToolsMap, { t: {} })?.step).toBe("4p1");
  });
});
