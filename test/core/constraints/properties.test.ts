/**
 * Property tests: soundness of subsumption, reflexivity of narrowsTools, and the closed-world
 * invocation rule. Values come from a small pool so that random constraints and random values
 * actually overlap.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ConstraintMap,
  checkInvocation,
  checkToolsWellFormed,
  type JsonValue,
  narrowsTools,
  satisfies,
  subsumes,
  type ToolsMap,
} from "../../../src/core/constraints/index.ts";

type C = { [k: string]: JsonValue };

const RUNS = { numRuns: 400 };
const PATHS = ["/", "/data", "/data/x", "/data/xyz", "/data/x/y", "/etc", "/etc/passwd"];
const BAD_PATHS = ["/data/../etc", "/data//x", "/data/x/", "data/x", "/data/%2e"];

const scalar: fc.Arbitrary<JsonValue> = fc.constantFrom<JsonValue>(
  "a",
  "b",
  "c",
  0,
  1,
  2,
  5,
  10,
  -1,
  0.5,
  12,
  true,
  false,
  null,
  ...PATHS,
);
const value: fc.Arbitrary<JsonValue> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.constantFrom<JsonValue>(...BAD_PATHS) },
  { weight: 2, arbitrary: fc.array(scalar, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.record({ k: scalar }) },
);
const bound = fc.integer({ min: -2, max: 12 });

function range(min: number | undefined, max: number | undefined, minInc?: boolean, maxInc?: boolean): C {
  const c: C = { constraint_type: "range" };
  if (min !== undefined) {
    c.min = min;
    if (minInc !== undefined) c.min_inclusive = minInc;
  }
  if (max !== undefined) {
    c.max = max;
    if (maxInc !== undefined) c.max_inclusive = maxInc;
  }
  return c;
}

const rangeArb: fc.Arbitrary<C> = fc
  .tuple(
    fc.option(bound, { nil: undefined }),
    fc.option(bound, { nil: undefined }),
    fc.option(fc.boolean(), { nil: undefined }),
    fc.option(fc.boolean(), { nil: undefined }),
  )
  .map(([a, b, i, j]) => {
    const [lo, hi] = a !== undefined && b !== undefined && a > b ? [b, a] : [a, b];
    return range(lo, hi, i, j);
  });

const leafArb: fc.Arbitrary<C> = fc.oneof(
  scalar.map((v) => ({ constraint_type: "exact", value: v })),
  rangeArb,
  fc.array(value, { minLength: 1, maxLength: 4 }).map((values) => ({ constraint_type: "one_of", values })),
  fc.array(value, { maxLength: 3 }).map((excluded) => ({ constraint_type: "not_one_of", excluded })),
  fc.array(scalar, { maxLength: 3 }).map((required) => ({ constraint_type: "contains", required })),
  fc.array(scalar, { maxLength: 4 }).map((allowed) => ({ constraint_type: "subset", allowed })),
  fc.constant<C>({ constraint_type: "wildcard" }),
  fc.constantFrom(...PATHS).map((root) => ({ constraint_type: "path_containment", root })),
);

const { constraint } = fc.letrec<{ constraint: C }>((tie) => ({
  constraint: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 4, arbitrary: leafArb },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom("all", "any"), fc.array(tie("constraint"), { minLength: 1, maxLength: 3 }))
        .map(([t, constraints]) => ({ constraint_type: t, constraints })),
    },
  ),
}));

/**
 * A child built from `p` by narrowing moves (usually subsumed) or, with some probability at every
 * level, sloppy moves that may widen it (dropped clauses, added values, moved bounds). The sloppy
 * moves are what give the soundness property teeth: a subsumption rule that wrongly accepts one of
 * them is caught by a witness value.
 */
function variant(p: C, depth = 0): fc.Arbitrary<C> {
  return fc.oneof({ weight: 3, arbitrary: narrowed(p, depth) }, { weight: 1, arbitrary: sloppy(p, depth) });
}

function narrowed(p: C, depth: number): fc.Arbitrary<C> {
  const t = p.constraint_type;
  const arr = (k: string) => p[k] as JsonValue[];
  switch (t) {
    case "range": {
      const min = p.min as number | undefined;
      const max = p.max as number | undefined;
      const tighter = fc
        .tuple(fc.nat(3), fc.nat(3), fc.boolean(), fc.boolean(), fc.boolean())
        .map(([dl, dh, i, j, keep]) => {
          const lo = min === undefined ? (keep ? undefined : dl) : min + dl;
          const hi = max === undefined ? (keep ? undefined : 10 + dh) : max - dh;
          if (lo !== undefined && hi !== undefined && lo > hi) return p;
          return range(lo, hi, i, j);
        });
      return fc.oneof(
        tighter,
        bound.map((n) => ({ constraint_type: "exact", value: n })),
      );
    }
    case "one_of":
      return fc.oneof(
        fc.subarray(arr("values"), { minLength: 1 }).map((values) => ({ constraint_type: "one_of", values })),
        fc.constantFrom(...arr("values")).map((v) => ({ constraint_type: "exact", value: v })),
      );
    case "not_one_of":
      return fc
        .array(value, { maxLength: 2 })
        .map((extra) => ({ constraint_type: t, excluded: [...arr("excluded"), ...extra] }));
    case "contains":
      return fc
        .array(scalar, { maxLength: 2 })
        .map((extra) => ({ constraint_type: t, required: [...extra, ...arr("required")] }));
    case "subset":
      return fc.subarray(arr("allowed")).map((allowed) => ({ constraint_type: t, allowed }));
    case "wildcard":
      return constraint;
    case "path_containment":
      return fc
        .constantFrom(...PATHS, ...BAD_PATHS)
        .chain((q) =>
          fc.constantFrom<C>(
            { constraint_type: t, root: q.replace(/\/$/, "") || "/" },
            { constraint_type: "exact", value: q },
          ),
        );
    case "all": {
      const clauses = arr("constraints") as C[];
      if (depth > 3) return fc.constant(p);
      return fc
        .tuple(fc.tuple(...clauses.map((c) => variant(c, depth + 1))), fc.array(constraint, { maxLength: 1 }))
        .map(([ns, extra]) => ({ constraint_type: "all", constraints: [...ns, ...extra] }));
    }
    case "any": {
      const clauses = arr("constraints") as C[];
      if (depth > 3) return fc.constant(p);
      return fc
        .subarray(clauses, { minLength: 1 })
        .chain((kept) => fc.tuple(...kept.map((c) => variant(c, depth + 1))))
        .map((ns) => ({ constraint_type: "any", constraints: ns }));
    }
    default:
      return fc.constant(p);
  }
}

function sloppy(p: C, depth: number): fc.Arbitrary<C> {
  const t = p.constraint_type;
  const arr = (k: string) => p[k] as JsonValue[];
  const near = (n: unknown) => (typeof n === "number" ? fc.integer({ min: n - 2, max: n + 2 }) : bound);
  switch (t) {
    case "range":
      return fc
        .tuple(
          fc.option(near(p.min), { nil: undefined }),
          fc.option(near(p.max), { nil: undefined }),
          fc.boolean(),
          fc.boolean(),
        )
        .map(([lo, hi, i, j]) => (lo !== undefined && hi !== undefined && lo > hi ? p : range(lo, hi, i, j)));
    case "one_of":
      return fc
        .tuple(fc.subarray(arr("values"), { minLength: 1 }), fc.array(value, { maxLength: 1 }))
        .map(([kept, extra]) => ({ constraint_type: t, values: [...kept, ...extra] }));
    case "not_one_of":
      return fc.subarray(arr("excluded")).map((excluded) => ({ constraint_type: t, excluded }));
    case "contains":
      return fc.subarray(arr("required")).map((required) => ({ constraint_type: t, required }));
    case "subset":
      return fc
        .array(scalar, { maxLength: 2 })
        .map((extra) => ({ constraint_type: t, allowed: [...arr("allowed"), ...extra] }));
    case "all": {
      if (depth > 3) return fc.constant(p);
      return fc
        .subarray(arr("constraints") as C[], { minLength: 1 })
        .chain((kept) => fc.tuple(...kept.map((c) => variant(c, depth + 1))))
        .map((ns) => ({ constraint_type: t, constraints: ns }));
    }
    case "any": {
      if (depth > 3) return fc.constant(p);
      return fc
        .tuple(
          fc.tuple(...(arr("constraints") as C[]).map((c) => variant(c, depth + 1))),
          fc.array(constraint, { maxLength: 1 }),
        )
        .map(([ns, extra]) => ({ constraint_type: t, constraints: [...ns, ...extra] }));
    }
    default:
      return constraint;
  }
}

const pair: fc.Arbitrary<[C, C]> = fc.oneof(
  fc.tuple(constraint, constraint),
  constraint.chain((p) => variant(p).map((c): [C, C] => [p, c])),
);

/**
 * Witness values derived from a constraint's literals: each literal, numbers just around each bound,
 * paths just inside and beside each root, and arrays that hit or miss each element list.
 */
function witnesses(c: JsonValue, out: JsonValue[] = []): JsonValue[] {
  if (typeof c === "number") out.push(c, c - 0.5, c + 0.5, c - 1, c + 1);
  else if (typeof c === "string") out.push(c, `${c}/z`, `${c}z`, c.slice(0, -1));
  else if (Array.isArray(c)) {
    out.push(c, c.slice(1), [...c, "z"], c.slice(0, 1));
    for (const e of c) witnesses(e, out);
  } else if (c !== null && typeof c === "object") {
    for (const v of Object.values(c)) witnesses(v, out);
  } else out.push(c);
  return out;
}

const wellFormed = (c: C) => checkToolsWellFormed({ t: { a: c } }, { maxConstraintDepth: 32 }) === null;

describe("properties", () => {
  it("generated constraints are well-formed and subsume themselves", () => {
    fc.assert(
      fc.property(constraint, (c) => {
        expect(wellFormed(c)).toBe(true);
        expect(subsumes(c, c)).toBeNull();
      }),
      RUNS,
    );
  });

  it("subsumption is sound: child ⊑ parent implies every value the child accepts the parent accepts", () => {
    let subsumed = 0;
    fc.assert(
      fc.property(pair, fc.array(value, { minLength: 1, maxLength: 12 }), ([p, c], values) => {
        fc.pre(wellFormed(p) && wellFormed(c));
        if (subsumes(p, c) !== null) return;
        subsumed++;
        for (const v of [...values, ...witnesses(p), ...witnesses(c)]) {
          if (satisfies(c, v)) expect(satisfies(p, v), `value ${JSON.stringify(v)}`).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
    // Guard against a vacuous pass: the narrowing generator must produce many subsumed pairs.
    expect(subsumed).toBeGreaterThan(100);
  });

  const argName = fc.constantFrom("a", "b", "c", "__proto__", "constructor");
  const entry = fc
    .tuple(constraint, fc.constantFrom<boolean | undefined>(true, false, undefined))
    .map(([c, o]) => (o === undefined ? c : { ...c, optional: o }));
  const constraintMap: fc.Arbitrary<ConstraintMap> = fc
    .tuple(fc.uniqueArray(fc.tuple(argName, entry), { maxLength: 4, selector: ([k]) => k }), fc.boolean())
    .map(([entries, star]) => {
      const m: ConstraintMap = Object.fromEntries(entries);
      if (star) m["*"] = { constraint_type: "wildcard" };
      return m;
    });
  const toolsMap: fc.Arbitrary<ToolsMap> = fc
    .uniqueArray(fc.tuple(fc.constantFrom("read_file", "export", "__proto__", "toString"), constraintMap), {
      maxLength: 3,
      selector: ([k]) => k,
    })
    .map((entries) => Object.fromEntries(entries));

  it("narrowsTools is reflexive on well-formed maps", () => {
    fc.assert(
      fc.property(toolsMap, (m) => {
        expect(checkToolsWellFormed(m, { maxConstraintDepth: 32 })).toBeNull();
        expect(narrowsTools(m, m)).toBeNull();
      }),
      RUNS,
    );
  });

  it("checkInvocation permits exactly when every argument is admitted and every required one is present", () => {
    const args = fc
      .uniqueArray(fc.tuple(fc.constantFrom("a", "b", "c", "d", "*", "__proto__", "constructor"), value), {
        maxLength: 4,
        selector: ([k]) => k,
      })
      .map((entries) => Object.fromEntries(entries) as Record<string, JsonValue>);
    fc.assert(
      fc.property(constraintMap, args, (map, a) => {
        const names = Object.keys(map).filter((k) => k !== "*");
        const star = Object.keys(map).length === 0 || Object.hasOwn(map, "*");
        const admitted = Object.keys(a).every((k) => {
          if (k !== "*" && Object.hasOwn(map, k)) return satisfies(map[k] as JsonValue, a[k]);
          return star;
        });
        const present = names.every(
          (k) => Object.hasOwn(a, k) || (map[k] as { optional?: unknown }).optional === true,
        );
        expect(checkInvocation({ t: map }, "t", a) === null).toBe(admitted && present);
      }),
      RUNS,
    );
  });
});
