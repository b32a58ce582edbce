import { describe, expect, it } from "vitest";
import { type JsonValue, subsumes } from "../../../src/core/constraints/index.ts";
import { all, any, contains, ex, notOneOf, oneOf, opt, pc, rng, subset, WILD } from "./builders.ts";

type C = { [k: string]: JsonValue };

const ok = (parent: C, child: C) =>
  expect(subsumes(parent, child), `${JSON.stringify(child)} ⊑ ${JSON.stringify(parent)}`).toBeNull();
const no = (parent: C, child: C, reason?: RegExp) => {
  const r = subsumes(parent, child);
  expect(r, `${JSON.stringify(child)} ⋢ ${JSON.stringify(parent)}`).not.toBeNull();
  if (reason) expect(r).toMatch(reason);
};

/** One representative of each type, used to enumerate every (parent, child) type pair. */
const SAMPLES: Record<string, C> = {
  exact: ex(5),
  range: rng({ min: 0, max: 10 }),
  one_of: oneOf(5),
  not_one_of: notOneOf(7),
  contains: contains(1),
  subset: subset(1),
  wildcard: WILD,
  all: all(WILD),
  any: any(ex(5)),
  path_containment: pc("/data"),
};

/** The (parent type, child type) pairs that may be valid (§4.5 table, plus the path_containment rows). */
const DECLARED = new Set([
  "exact>exact",
  "range>range",
  "range>exact",
  "one_of>one_of",
  "one_of>exact",
  "not_one_of>not_one_of",
  "contains>contains",
  "subset>subset",
  "all>all",
  "any>any",
  "path_containment>path_containment",
  "path_containment>exact",
]);

describe("subsumes: pair table", () => {
  it("rejects every undeclared (parent, child) type pair, and a wildcard parent accepts all", () => {
    for (const [pt, p] of Object.entries(SAMPLES)) {
      for (const [ct, c] of Object.entries(SAMPLES)) {
        const r = subsumes(p, c);
        if (pt === "wildcard") expect(r, `${pt}>${ct}`).toBeNull();
        else if (!DECLARED.has(`${pt}>${ct}`)) expect(r, `${pt}>${ct}`).not.toBeNull();
      }
    }
  });
  it("a child wildcard only under a parent wildcard (J.11.d)", () => {
    ok(WILD, WILD);
    no(oneOf("a", "b"), WILD, /child wildcard widens the parent one_of/);
    no(rng({}), WILD);
    no(notOneOf(), WILD);
  });
  it("a parent wildcard subsumes extension types and composites", () => {
    ok(WILD, pc("/data"));
    ok(WILD, all(any(ex(1))));
  });
});

describe("subsumes: exact", () => {
  it("same value only", () => {
    ok(ex("a"), ex("a"));
    ok(ex(1), ex(1.0));
    no(ex("a"), ex("b"), /child exact value "b" differs from the parent's "a"/);
    no(ex(1), ex("1"));
    no(ex("a"), oneOf("a"));
  });
});

describe("subsumes: range", () => {
  it("tighter bounds", () => {
    ok(rng({ min: 0, max: 100 }), rng({ min: 10, max: 50 }));
    ok(rng({ min: 0, max: 100 }), rng({ min: 0, max: 100 }));
    ok(rng({}), rng({ min: 5 }));
    ok(rng({ max: 100 }), rng({ min: -5, max: 100 }));
    no(rng({ min: 0, max: 100 }), rng({ min: -1, max: 50 }), /min -1 is below the parent's min 0/);
    no(rng({ min: 0, max: 100 }), rng({ min: 0, max: 101 }), /max 101 is above the parent's max 100/);
  });
  it("a missing child bound is valid only if the parent's is missing too", () => {
    no(rng({ min: 0, max: 100 }), rng({ max: 50 }), /no min/);
    no(rng({ min: 0, max: 100 }), rng({ min: 10 }), /no max/);
    ok(rng({ min: 0 }), rng({ min: 1 }));
  });
  it("inclusivity may only tighten at an equal bound (J.17.7, J.17.8)", () => {
    ok(rng({ min: 0, max: 100 }), rng({ min: 0, max: 100, min_inclusive: false }));
    ok(rng({ min: 0, max: 100 }), rng({ min: 0, max: 100, max_inclusive: false }));
    no(
      rng({ min: 0, min_inclusive: false }),
      rng({ min: 0 }),
      /includes its min 0, which the parent excludes/,
    );
    no(rng({ max: 9, max_inclusive: false }), rng({ max: 9, max_inclusive: true }), /includes its max 9/);
    ok(rng({ min: 0, min_inclusive: false }), rng({ min: 0, min_inclusive: false }));
    ok(rng({ min: 0, min_inclusive: false }), rng({ min: 0.5 }));
  });
  it("an exact number the parent accepts", () => {
    ok(rng({ min: 0, max: 100 }), ex(100));
    no(rng({ min: 0, max: 100, max_inclusive: false }), ex(100), /outside the parent range \[0, 100\)/);
    no(rng({ min: 0, max: 100 }), ex("50"), /not a number/);
    no(rng({}), ex(true));
  });
  it("rejects other child types", () => {
    no(rng({ min: 0, max: 100 }), oneOf(1, 2));
    no(rng({ min: 0, max: 100 }), all(rng({ min: 1, max: 2 })));
  });
});

describe("subsumes: one_of", () => {
  it("a non-empty subset, or an exact member", () => {
    ok(oneOf("a", "b"), oneOf("a"));
    ok(oneOf("a", "b"), oneOf("b", "a", "a"));
    ok(oneOf("a", "b"), ex("b"));
    ok(oneOf({ x: 1, y: 2 }), oneOf({ y: 2, x: 1 }));
    no(
      oneOf("/data/q3.pdf"),
      oneOf("/data/q3.pdf", "/etc/passwd"),
      /child one_of adds value "\/etc\/passwd" not in parent/,
    );
    no(oneOf("a"), ex("c"), /not among the parent's one_of values/);
  });
  it("a child one_of cannot be empty", () => {
    expect(subsumes(oneOf("a"), oneOf())).toMatch(/child constraint is malformed/);
  });
  it("not_one_of under one_of is rejected", () => {
    no(oneOf("a", "b"), notOneOf("a"), /not_one_of cannot attenuate a parent one_of/);
  });
});

describe("subsumes: not_one_of, contains, subset", () => {
  it("not_one_of: excluded superset (J.17.1, J.17.2)", () => {
    ok(notOneOf("s", "i"), notOneOf("i", "s", "e"));
    ok(notOneOf(), notOneOf("x"));
    no(notOneOf("s", "i"), notOneOf("s"), /drops excluded value "i"/);
    no(notOneOf("s"), ex("t"));
  });
  it("contains: required superset (J.17.3, J.17.4)", () => {
    ok(contains("public"), contains("public", "reviewed"));
    ok(contains(), contains());
    no(contains("public"), contains(), /drops required value "public"/);
  });
  it("subset: allowed subset (J.17.5, J.17.6)", () => {
    ok(subset("r", "e", "a"), subset("r", "e"));
    ok(subset("r"), subset());
    no(subset("r", "e", "a"), subset("r", "e", "a", "o"), /adds allowed value "o" not in parent/);
  });
});

describe("subsumes: all", () => {
  const parent = all(rng({ max: 100 }), rng({ min: 0 }));
  it("adding a clause narrows (J.15.1)", () =>
    ok(parent, all(rng({ max: 100 }), rng({ min: 0 }), rng({ min: 1 }))));
  it("dropping a clause widens (J.15.2)", () =>
    no(parent, all(rng({ max: 100 })), /parent all clause 1 \(range \[0, \+∞\)\) subsumes no child clause/));
  it("one child clause may cover several parent clauses (J.15.3, J.15.4)", () => {
    ok(parent, all(rng({ min: 10, max: 50 })));
    ok(all(WILD, WILD), all(ex(5)));
  });
  it("a widened clause fails (J.15.5)", () => no(parent, all(rng({ max: 200 }), rng({ min: 0 }))));
  it("flattening to a bare clause is rejected even when narrower (J.8.4)", () => {
    no(all(rng({ min: 0 }), rng({ max: 100 })), rng({ min: 10, max: 50 }), /cannot attenuate a parent all/);
    no(all(ex(1)), ex(1));
  });
  it("nested all[any] narrows inside (J.18.2)", () => {
    ok(all(any(ex("pdf"), ex("csv"), ex("xlsx"))), all(any(ex("pdf"))));
  });
});

describe("subsumes: any", () => {
  const parent = any(ex("pdf"), ex("csv"), ex("xlsx"));
  it("removing alternatives narrows (J.16.1)", () => ok(parent, any(ex("pdf"), ex("csv"))));
  it("adding an alternative widens (J.16.2)", () =>
    no(
      parent,
      any(ex("pdf"), ex("docx")),
      /child any clause 1 \(exact "docx"\) is not subsumed by any parent clause/,
    ));
  it("clauses may pair across types (J.16.6)", () =>
    ok(any(oneOf("pdf", "csv"), ex("xlsx")), any(ex("pdf"))));
  it("an all under a parent any is rejected (J.18.1)", () =>
    no(parent, all(ex("pdf")), /cannot attenuate a parent any/));
  it("an exact directly under a parent any is rejected", () => no(parent, ex("pdf")));
  it("an empty child any is malformed", () =>
    expect(subsumes(parent, any())).toMatch(/child constraint is malformed/));
});

describe("subsumes: path_containment (Baton extension)", () => {
  it("child root within the parent root by segments", () => {
    ok(pc("/data"), pc("/data"));
    ok(pc("/data"), pc("/data/reports/q3"));
    ok(pc("/"), pc("/anything"));
    no(pc("/data/x"), pc("/data/xyz"), /not within the parent root/);
    no(pc("/data/reports"), pc("/data"));
  });
  it("an exact path that satisfies the parent", () => {
    ok(pc("/data"), ex("/data/q3.pdf"));
    ok(pc("/data"), ex("/data"));
    no(pc("/data"), ex("/data/../etc/passwd"), /not a clean path within the parent root/);
    no(pc("/data"), ex("/datax"));
    no(pc("/data"), ex(5));
  });
  it("every other pair is invalid", () => {
    no(pc("/data"), oneOf("/data/a"));
    no(oneOf("/data/a"), pc("/data/a"));
    no(ex("/data"), pc("/data"));
    no(any(ex("/data/a")), pc("/data/a"));
  });
  it("composes inside all/any", () => {
    ok(any(pc("/data"), pc("/srv")), any(pc("/srv/www"), ex("/data/x")));
    no(any(pc("/data")), any(pc("/etc")));
  });
});

describe("subsumes: optional and fail-closed", () => {
  it("ignores a top-level optional member on either side", () => {
    ok(opt(oneOf("a", "b")), ex("a"));
    ok(oneOf("a", "b"), opt(ex("a")));
  });
  it("reports malformed or unknown constraints", () => {
    expect(subsumes({ constraint_type: "nope" }, WILD)).toMatch(
      /parent constraint is malformed: unknown constraint_type "nope"/,
    );
    expect(subsumes(WILD, { constraint_type: "nope" })).toMatch(/child constraint is malformed/);
    expect(subsumes(WILD, "wildcard")).toMatch(/child constraint is malformed/);
    expect(subsumes(WILD, all(opt(WILD)))).toMatch(/optional is not allowed inside all\/any/);
  });
  it("is reflexive on each sample", () => {
    for (const c of Object.values(SAMPLES)) ok(c, c);
  });
});
