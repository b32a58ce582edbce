import { describe, expect, it } from "vitest";
import { satisfies } from "../../../src/core/constraints/index.ts";
import { all, any, contains, ex, notOneOf, oneOf, opt, pc, rng, subset, WILD } from "./builders.ts";

describe("satisfies: exact", () => {
  it("accepts the same value and rejects others", () => {
    expect(satisfies(ex("pdf"), "pdf")).toBe(true);
    expect(satisfies(ex("pdf"), "PDF")).toBe(false);
    expect(satisfies(ex(5), 5)).toBe(true);
    expect(satisfies(ex(5), 5.0)).toBe(true);
    expect(satisfies(ex(5), "5")).toBe(false);
    expect(satisfies(ex(null), null)).toBe(true);
    expect(satisfies(ex(false), false)).toBe(true);
    expect(satisfies(ex(false), 0)).toBe(false);
    expect(satisfies(ex(false), null)).toBe(false);
  });
  it("compares by JCS, so -0 equals 0 and 1e2 equals 100", () => {
    expect(satisfies(ex(0), -0)).toBe(true);
    expect(satisfies(ex(100), 1e2)).toBe(true);
  });
  it("never accepts a container for a scalar", () => {
    expect(satisfies(ex("a"), ["a"])).toBe(false);
    expect(satisfies(ex("a"), { a: "a" })).toBe(false);
  });
});

describe("satisfies: range", () => {
  it("applies inclusive bounds by default", () => {
    const r = rng({ min: 0, max: 100 });
    expect(satisfies(r, 0)).toBe(true);
    expect(satisfies(r, 100)).toBe(true);
    expect(satisfies(r, 50.5)).toBe(true);
    expect(satisfies(r, -1)).toBe(false);
    expect(satisfies(r, 100.0001)).toBe(false);
  });
  it("applies exclusive bounds", () => {
    const r = rng({ min: 0, max: 10, min_inclusive: false, max_inclusive: false });
    expect(satisfies(r, 0)).toBe(false);
    expect(satisfies(r, 10)).toBe(false);
    expect(satisfies(r, 5)).toBe(true);
  });
  it("treats a missing bound as unbounded", () => {
    expect(satisfies(rng({ max: 100 }), -1e300)).toBe(true);
    expect(satisfies(rng({ min: 0 }), 1e300)).toBe(true);
    expect(satisfies(rng({}), 42)).toBe(true);
  });
  it("accepts only JSON numbers", () => {
    const r = rng({ min: 0, max: 100 });
    expect(satisfies(r, "50")).toBe(false);
    expect(satisfies(r, true)).toBe(false);
    expect(satisfies(r, null)).toBe(false);
    expect(satisfies(r, [50])).toBe(false);
    expect(satisfies(rng({}), "x")).toBe(false);
  });
});

describe("satisfies: one_of / not_one_of", () => {
  it("one_of is membership by JCS", () => {
    const c = oneOf("a", 1, null, ["x"], { k: 1, j: 2 });
    expect(satisfies(c, "a")).toBe(true);
    expect(satisfies(c, 1.0)).toBe(true);
    expect(satisfies(c, null)).toBe(true);
    expect(satisfies(c, ["x"])).toBe(true);
    expect(satisfies(c, { j: 2, k: 1 })).toBe(true);
    expect(satisfies(c, "b")).toBe(false);
    expect(satisfies(c, "1")).toBe(false);
  });
  it("not_one_of is non-membership", () => {
    const c = notOneOf("secret", "internal");
    expect(satisfies(c, "public")).toBe(true);
    expect(satisfies(c, "secret")).toBe(false);
    expect(satisfies(c, 3)).toBe(true);
    expect(satisfies(notOneOf(), "anything")).toBe(true);
  });
});

describe("satisfies: contains / subset (set semantics)", () => {
  it("contains requires an array holding every required element", () => {
    const c = contains("public", "reviewed");
    expect(satisfies(c, ["reviewed", "x", "public"])).toBe(true);
    expect(satisfies(c, ["public", "public"])).toBe(false);
    expect(satisfies(c, "public")).toBe(false);
    expect(satisfies(contains(), [])).toBe(true);
    expect(satisfies(contains(), "not an array")).toBe(false);
  });
  it("subset requires an array whose elements are all allowed", () => {
    const c = subset("reader", "editor");
    expect(satisfies(c, ["reader"])).toBe(true);
    expect(satisfies(c, ["reader", "reader", "editor"])).toBe(true);
    expect(satisfies(c, [])).toBe(true);
    expect(satisfies(c, ["admin"])).toBe(false);
    expect(satisfies(c, "reader")).toBe(false);
  });
  it("compares elements by JCS", () => {
    expect(satisfies(contains({ a: 1, b: 2 }), [{ b: 2, a: 1 }])).toBe(true);
    expect(satisfies(subset(1), [1.0])).toBe(true);
  });
});

describe("satisfies: wildcard, all, any", () => {
  it("wildcard accepts every JSON value", () => {
    for (const v of [null, true, 0, "", [], {}, { a: [1] }]) expect(satisfies(WILD, v)).toBe(true);
  });
  it("all evaluates every clause", () => {
    const c = all(rng({ max: 100 }), rng({ min: 0 }), rng({ min: 1 }));
    expect(satisfies(c, 10)).toBe(true);
    expect(satisfies(c, 0)).toBe(false);
  });
  it("any accepts when one clause holds", () => {
    const c = any(ex("pdf"), ex("csv"));
    expect(satisfies(c, "csv")).toBe(true);
    expect(satisfies(c, "xlsx")).toBe(false);
  });
  it("nested composites", () => {
    const c = all(any(ex("pdf"), ex("csv")), notOneOf("csv"));
    expect(satisfies(c, "pdf")).toBe(true);
    expect(satisfies(c, "csv")).toBe(false);
  });
});

describe("satisfies: optional and fail-closed behaviour", () => {
  it("ignores a top-level optional member", () => {
    expect(satisfies(opt(ex("a")), "a")).toBe(true);
    expect(satisfies(opt(ex("a")), "b")).toBe(false);
  });
  it("an absent value satisfies nothing, not even wildcard", () => {
    expect(satisfies(WILD, undefined)).toBe(false);
    expect(satisfies(opt(ex("a")), undefined)).toBe(false);
  });
  it("malformed or unknown constraints satisfy nothing", () => {
    expect(satisfies({ constraint_type: "no_such_type" }, "x")).toBe(false);
    expect(satisfies({ constraint_type: "range", maximum: 10 }, 1000)).toBe(false);
    expect(satisfies({ constraint_type: "all", constraints: [] }, "x")).toBe(false);
    expect(satisfies("exact", "exact")).toBe(false);
    expect(satisfies(null, null)).toBe(false);
    expect(satisfies([WILD], "x")).toBe(false);
    expect(satisfies({ constraint_type: "all", constraints: [opt(WILD)] }, "x")).toBe(false);
  });
  it("values JCS cannot represent satisfy nothing", () => {
    expect(satisfies(WILD, "\ud800")).toBe(false);
    expect(satisfies(WILD, Number.NaN)).toBe(false);
    expect(satisfies(rng({}), Number.POSITIVE_INFINITY)).toBe(false);
    expect(satisfies(WILD, { a: undefined } as never)).toBe(false);
  });
  it("path_containment (Baton extension) is evaluated", () => {
    expect(satisfies(pc("/data"), "/data/x")).toBe(true);
    expect(satisfies(pc("/data"), "/etc/passwd")).toBe(false);
  });
});
