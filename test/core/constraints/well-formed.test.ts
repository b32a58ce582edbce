import { describe, expect, it } from "vitest";
import { checkToolsWellFormed, type JsonValue } from "../../../src/core/constraints/index.ts";
import { BatonError } from "../../../src/core/errors.ts";
import { all, any, contains, ex, notOneOf, oneOf, opt, pc, rng, subset, WILD } from "./builders.ts";

const OPTS = { maxConstraintDepth: 32 };

/** Checks a single constraint placed at tools.t.a. */
function one(c: JsonValue) {
  return checkToolsWellFormed({ t: { a: c } }, OPTS);
}

function nest(depth: number): JsonValue {
  let c: JsonValue = WILD;
  for (let i = 1; i < depth; i++) c = all(c as { [k: string]: JsonValue });
  return c;
}

describe("checkToolsWellFormed: accepted shapes", () => {
  it("accepts every core type in its documented form", () => {
    const tools = {
      read_file: {
        a: ex("x"),
        b: ex(1),
        c: ex(true),
        d: ex(null),
        e: rng({}),
        f: rng({ min: 0, max: 0 }),
        g: rng({ min: 0, min_inclusive: false, max: 10, max_inclusive: true }),
        h: oneOf("x", 1, [1], { a: 1 }),
        i: notOneOf(),
        j: contains(),
        k: subset(),
        l: WILD,
        m: all(WILD),
        n: any(ex("a"), oneOf("b")),
        o: opt(ex("x")),
        p: { ...ex("x"), optional: false },
        "*": WILD,
      },
      search_index: {},
      fs: { path: pc("/data/reports") },
      root_fs: { path: pc("/") },
    };
    expect(checkToolsWellFormed(tools, OPTS)).toBeNull();
  });
  it("accepts an empty tools map (the empty capability set)", () => {
    expect(checkToolsWellFormed({}, OPTS)).toBeNull();
  });
  it("treats __proto__ and constructor as ordinary tool and argument names", () => {
    const tools = JSON.parse(
      '{"__proto__":{"__proto__":{"constraint_type":"wildcard"}},"constructor":{"toString":{"constraint_type":"exact","value":1}}}',
    );
    expect(checkToolsWellFormed(tools, OPTS)).toBeNull();
    const bad = JSON.parse('{"__proto__":{"constructor":{"constraint_type":"nope"}}}');
    expect(checkToolsWellFormed(bad, OPTS)?.path).toBe('tools["__proto__"].constructor');
  });
  it("accepts null-prototype objects from a pollution-safe parser", () => {
    const c = Object.assign(Object.create(null), { constraint_type: "wildcard" });
    const map = Object.assign(Object.create(null), { path: c });
    expect(checkToolsWellFormed(Object.assign(Object.create(null), { t: map }), OPTS)).toBeNull();
  });
});

describe("checkToolsWellFormed: structure", () => {
  it("rejects a tools value that is not an object", () => {
    for (const t of [null, [], "x", 1]) expect(checkToolsWellFormed(t, OPTS)?.path).toBe("tools");
  });
  it("rejects a constraint map that is not an object", () => {
    const p = checkToolsWellFormed({ read_file: ["path"] }, OPTS);
    expect(p).toEqual({
      path: 'tools["read_file"]',
      message: "tool read_file: constraint map is not a JSON object",
    });
  });
  it("rejects a constraint that is not an object", () => {
    for (const c of [null, "exact", 1, [WILD]])
      expect(one(c as JsonValue)?.message).toMatch(/not a JSON object/);
  });
  it("rejects objects that are not plain JSON", () => {
    expect(checkToolsWellFormed({ t: new Map() }, OPTS)).not.toBeNull();
    expect(checkToolsWellFormed({ t: { a: new Date() } }, OPTS)).not.toBeNull();
  });
  it("rejects a missing or non-string constraint_type", () => {
    expect(one({})?.message).toMatch(/constraint_type is missing/);
    expect(one({ constraint_type: 1 })?.message).toMatch(/constraint_type is missing or not a string/);
  });
  it("fails closed on an unknown constraint_type, on used and unused tools alike", () => {
    const p = checkToolsWellFormed(
      { read_file: { path: WILD }, export: { format: { constraint_type: "no_such_type" } } },
      OPTS,
    );
    expect(p?.path).toBe('tools["export"].format');
    expect(p?.message).toBe(
      'tool export: argument format: unknown constraint_type "no_such_type" (fail closed)',
    );
    // Names that look like types are not types: glob/prefix/regex are not core.
    for (const t of ["glob", "prefix", "regex", "Exact", "constructor", "toString", "__proto__"]) {
      expect(one({ constraint_type: t })).not.toBeNull();
    }
  });
});

describe("checkToolsWellFormed: members", () => {
  it("rejects a member the type does not define (J.21.12)", () => {
    const p = one({ constraint_type: "range", maximum: 10 });
    expect(p?.message).toBe('tool t: argument a: member "maximum" is not defined for range');
    expect(one({ constraint_type: "wildcard", value: 1 })).not.toBeNull();
    expect(one({ ...ex("x"), values: ["x"] })).not.toBeNull();
    expect(one({ ...pc("/data"), prefix: "/data" })).not.toBeNull();
  });
  it("requires each type's mandatory member", () => {
    expect(one({ constraint_type: "exact" })?.message).toMatch(/exact has no value member/);
    expect(one({ constraint_type: "one_of" })?.message).toMatch(/no values member/);
    expect(one({ constraint_type: "not_one_of" })?.message).toMatch(/no excluded member/);
    expect(one({ constraint_type: "contains" })?.message).toMatch(/no required member/);
    expect(one({ constraint_type: "subset" })?.message).toMatch(/no allowed member/);
    expect(one({ constraint_type: "all" })?.message).toMatch(/no constraints member/);
    expect(one({ constraint_type: "any" })?.message).toMatch(/no constraints member/);
    expect(one({ constraint_type: "path_containment" })?.message).toMatch(/no root member/);
  });
  it("exact.value must be a scalar", () => {
    expect(one(ex(["a"]))?.path).toBe('tools["t"].a.value');
    expect(one(ex({ a: 1 }))).not.toBeNull();
  });
  it("one_of.values is a non-empty array; excluded/required/allowed are arrays", () => {
    expect(one(oneOf())?.message).toMatch(/values must not be empty/);
    expect(one({ constraint_type: "one_of", values: "a" })?.message).toMatch(/values must be an array/);
    expect(one({ constraint_type: "not_one_of", excluded: {} })).not.toBeNull();
    expect(one({ constraint_type: "contains", required: "a" })).not.toBeNull();
    expect(one({ constraint_type: "subset", allowed: null })).not.toBeNull();
  });
  it("all/any constraints is a non-empty array (J.21.7, J.16.3, J.21.11)", () => {
    expect(one(all())?.message).toMatch(/all has an empty constraints array/);
    expect(one(any())?.message).toMatch(/any has an empty constraints array/);
    expect(one({ constraint_type: "all", constraints: WILD })?.message).toMatch(/must be an array/);
    expect(one(all(WILD, any()))?.path).toBe('tools["t"].a.constraints[1].constraints');
  });
  it("validates nested clauses with their path", () => {
    const p = one(all(rng({ max: 100 }), { constraint_type: "range", maximum: 10 }));
    expect(p?.path).toBe('tools["t"].a.constraints[1]');
    expect(p?.message).toBe(
      'tool t: argument a: member "maximum" is not defined for range (at constraints[1])',
    );
  });
});

describe("checkToolsWellFormed: range", () => {
  it("bounds are numbers and min <= max (J.8.6)", () => {
    expect(one(rng({ min: 10, max: 5 }))?.message).toMatch(/min 10 is greater than max 5/);
    expect(one({ constraint_type: "range", min: "1" })?.message).toMatch(/min must be a number/);
    expect(one({ constraint_type: "range", max: null })).not.toBeNull();
    expect(one({ constraint_type: "range", max: true })).not.toBeNull();
  });
  it("inclusivity flags are booleans next to their bound only", () => {
    expect(one({ constraint_type: "range", min_inclusive: false })?.message).toMatch(
      /only allowed together with its bound/,
    );
    expect(one({ constraint_type: "range", min: 0, max_inclusive: true })).not.toBeNull();
    expect(one({ constraint_type: "range", min: 0, min_inclusive: "no" })?.message).toMatch(
      /must be a boolean/,
    );
  });
});

describe("checkToolsWellFormed: optional and *", () => {
  it("optional is a boolean on a top-level entry only (J.22.18)", () => {
    expect(one({ ...ex("x"), optional: "yes" })?.message).toMatch(/optional must be a boolean/);
    const nested = one(all(opt(ex("x"))));
    expect(nested?.path).toBe('tools["t"].a.constraints[0].optional');
    expect(nested?.message).toMatch(/optional is not allowed inside all\/any/);
    expect(one(any({ ...WILD, optional: false }))).not.toBeNull();
  });
  it('"*" is exactly a plain wildcard (J.22.19, J.22.23)', () => {
    const msg = 'tool t: the "*" entry must be exactly {"constraint_type":"wildcard"}';
    const star = (c: JsonValue) => checkToolsWellFormed({ t: { "*": c } }, OPTS);
    expect(star(rng({ max: 5 }))).toEqual({ path: 'tools["t"]["*"]', message: msg });
    expect(star(opt(WILD))?.message).toBe(msg);
    expect(star({ ...WILD, optional: false })?.message).toBe(msg);
    expect(star(all(WILD))?.message).toBe(msg);
    expect(star("wildcard")?.message).toBe(msg);
  });
});

describe("checkToolsWellFormed: depth", () => {
  it("counts a non-composite as 1 and a composite as 1 + its deepest clause", () => {
    expect(checkToolsWellFormed({ t: { a: nest(32) } }, OPTS)).toBeNull();
    expect(checkToolsWellFormed({ t: { a: nest(33) } }, OPTS)?.message).toMatch(
      /deeper than MAX_CONSTRAINT_DEPTH \(32\)/,
    );
    expect(checkToolsWellFormed({ t: { a: WILD } }, { maxConstraintDepth: 1 })).toBeNull();
    expect(checkToolsWellFormed({ t: { a: all(WILD) } }, { maxConstraintDepth: 1 })).not.toBeNull();
    expect(checkToolsWellFormed({ t: { a: all(WILD) } }, { maxConstraintDepth: 2 })).toBeNull();
  });
  it("handles a very deep tree without overflowing the stack", () => {
    expect(checkToolsWellFormed({ t: { a: nest(100_000) } }, OPTS)).not.toBeNull();
  });
  it("handles deeply nested values inside value sets", () => {
    let v: JsonValue = 1;
    for (let i = 0; i < 100_000; i++) v = [v];
    expect(checkToolsWellFormed({ t: { a: oneOf(v) } }, OPTS)).toBeNull();
  });
  it("rejects a bad maxConstraintDepth as a configuration error", () => {
    for (const d of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => checkToolsWellFormed({}, { maxConstraintDepth: d })).toThrow(BatonError);
    }
  });
});

describe("checkToolsWellFormed: values JCS cannot represent", () => {
  it("rejects lone surrogates and non-finite numbers", () => {
    expect(one(ex("\udc00"))).not.toBeNull();
    expect(one(oneOf("ok", "\ud800x"))?.path).toBe('tools["t"].a.values[1]');
    expect(one(ex(Number.NaN))).not.toBeNull();
    expect(one(rng({ max: Number.POSITIVE_INFINITY }))).not.toBeNull();
    expect(one(contains({ a: [Number.NEGATIVE_INFINITY] }))).not.toBeNull();
    expect(one(subset({ "\ud800": 1 }))).not.toBeNull();
  });
});

describe("checkToolsWellFormed: path_containment (Baton extension)", () => {
  it("rejects a root that is not a clean absolute path", () => {
    for (const root of [
      "data",
      "",
      "/data/",
      "/data//x",
      "/data/./x",
      "/data/..",
      "/a\\b",
      "/a\u0000",
      "/a%2e",
      7,
    ]) {
      expect(one({ constraint_type: "path_containment", root } as JsonValue), String(root)).not.toBeNull();
    }
  });
});

describe("checkToolsWellFormed: messages", () => {
  it("quote names that are not plain printable ASCII", () => {
    const p = checkToolsWellFormed({ "read file\n": { "a b": { constraint_type: "x" } } }, OPTS);
    expect(p?.path).toBe('tools["read file\\n"]["a b"]');
    expect(p?.message).toBe('tool "read file\\n": argument "a b": unknown constraint_type "x" (fail closed)');
  });
});

describe("checkToolsWellFormed: size limits that bound verification work (issue 9, item 4)", () => {
  const wilds = (n: number) => Array.from({ length: n }, () => WILD);
  it("accepts an all/any of 32 clauses and refuses 33 with constraint_too_large, naming where", () => {
    expect(one(any(...wilds(32)))).toBeNull();
    for (const c of [any(...wilds(33)), all(WILD, all(...wilds(33)))]) {
      const p = one(c);
      expect(p?.code).toBe("constraint_too_large");
      expect(p?.message).toContain("more than 32 clauses");
    }
    expect(one(all(WILD, all(...wilds(33))))?.path).toBe('tools["t"].a.constraints[1]');
  });
  it("refuses an argument tree of more than 64 nodes, counting nested clauses", () => {
    const tree = (n: number) => all(...Array.from({ length: n }, () => all(WILD, WILD)));
    expect(one(tree(21))).toBeNull(); // 1 + 21 × 3 = 64
    const p = one(tree(22)); // 67
    expect(p).toMatchObject({ code: "constraint_too_large" });
    expect(p?.message).toContain("67 nodes, over the 64 limit per argument");
  });
  it("refuses a tools map of more than 1024 nodes in all", () => {
    const tools: Record<string, Record<string, JsonValue>> = {};
    for (let t = 0; t < 33; t++) tools[`tool${t}`] = { a: all(...wilds(31)) }; // 33 × 32 = 1056
    const p = checkToolsWellFormed(tools, OPTS);
    expect(p).toMatchObject({ code: "constraint_too_large", path: "tools" });
    expect(checkToolsWellFormed(tools, { ...OPTS, maxConstraintNodes: 2048 })).toBeNull();
  });
  it("refuses a tool id or argument name over 256 characters, and bounds it in the message", () => {
    const long = "x".repeat(257);
    const byTool = checkToolsWellFormed({ [long]: {} }, OPTS);
    const byArg = checkToolsWellFormed({ t: { [long]: WILD } }, OPTS);
    for (const p of [byTool, byArg]) {
      expect(p?.code).toBe("constraint_too_large");
      expect(`${p?.path} ${p?.message}`.length).toBeLessThan(300);
    }
    expect(checkToolsWellFormed({ ["x".repeat(256)]: { ["y".repeat(256)]: WILD } }, OPTS)).toBeNull();
  });
  it("limits are configuration: a non-positive one throws BatonError", () => {
    expect(() => checkToolsWellFormed({}, { ...OPTS, maxCompositeClauses: 0 })).toThrow(BatonError);
  });
});
