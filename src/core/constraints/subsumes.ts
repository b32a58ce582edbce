/**
 * Constraint subsumption (AAT -02 §4.5): does a parent constraint subsume (is at least as permissive
 * as) a child constraint? Used at step 4p4.
 *
 * The rules are structural and deliberately conservative: only the (parent, child) pairs the §4.5
 * table lists are valid, plus the pairs Baton's `path_containment` extension declares, and a parent
 * `wildcard`, which subsumes everything (§5.1). Every other pair is rejected even when it is
 * semantically narrower: `all` flattened to a bare clause, `any` narrowed to an `all`, an `exact`
 * directly under an `any`, a `not_one_of` under a `one_of`, and so on. Soundness is the property that
 * matters: whenever this returns null, every value the child accepts the parent accepts too.
 *
 * Cost: polynomial. Composite pairs compare every parent clause with every child clause, which sums
 * to at most (parent nodes) x (child nodes) pair checks; set comparisons use precomputed JCS keys.
 */
import { showValue } from "./json-value.ts";
import { HELPER_DEPTH_CAP, parseNode } from "./parse.ts";
import { pathContainmentSatisfies, pathWithin } from "./path-containment.ts";
import { evaluate } from "./satisfies.ts";
import type { ConstraintNode, JsonValue, ValueSet } from "./types.ts";

type RangeNode = Extract<ConstraintNode, { type: "range" }>;

function showRange(r: RangeNode): string {
  const lo = r.min === null ? "(-∞" : `${r.minInclusive ? "[" : "("}${r.min}`;
  const hi = r.max === null ? "+∞)" : `${r.max}${r.maxInclusive ? "]" : ")"}`;
  return `${lo}, ${hi}`;
}

/** A short description of a clause for messages, e.g. `exact "docx"` or `range [0, 100]`. */
function describe(n: ConstraintNode): string {
  switch (n.type) {
    case "exact":
      return `exact ${showValue(n.value)}`;
    case "range":
      return `range ${showRange(n)}`;
    case "path_containment":
      return `path_containment ${showValue(n.root)}`;
    default:
      return n.type;
  }
}

function rangeNarrows(p: RangeNode, c: RangeNode): string | null {
  // §4.5: a missing parent bound is unbounded; a missing child bound is valid only if the parent's is
  // missing too; inclusivity may only tighten at an equal bound.
  if (p.min !== null) {
    if (c.min === null) return `child range has no min, but the parent's min is ${p.min}`;
    if (c.min < p.min) return `child range min ${c.min} is below the parent's min ${p.min}`;
    if (c.min === p.min && !p.minInclusive && c.minInclusive) {
      return `child range includes its min ${c.min}, which the parent excludes`;
    }
  }
  if (p.max !== null) {
    if (c.max === null) return `child range has no max, but the parent's max is ${p.max}`;
    if (c.max > p.max) return `child range max ${c.max} is above the parent's max ${p.max}`;
    if (c.max === p.max && !p.maxInclusive && c.maxInclusive) {
      return `child range includes its max ${c.max}, which the parent excludes`;
    }
  }
  return null;
}

/** The first member of `set` whose JCS key is not in `allowed`, or undefined when there is none. */
function firstOutside(set: ValueSet, allowed: Set<string>): JsonValue | undefined {
  for (let i = 0; i < set.values.length; i++) {
    if (!allowed.has(set.keyList[i] as string)) return set.values[i];
  }
  return undefined;
}

/**
 * Internal subsumption on parsed nodes. Returns null when `parent` subsumes `child`, else a reason
 * phrased from the child's point of view.
 */
export function subsumesNode(parent: ConstraintNode, child: ConstraintNode): string | null {
  // §4.5 / §5.1: a parent wildcard subsumes every type, extension types included.
  if (parent.type === "wildcard") return null;
  if (child.type === "wildcard") return `child wildcard widens the parent ${describe(parent)}`;

  switch (parent.type) {
    case "exact":
      if (child.type !== "exact") return undeclared(parent, child);
      return child.key === parent.key
        ? null
        : `child exact value ${showValue(child.value)} differs from the parent's ${showValue(parent.value)}`;

    case "range":
      if (child.type === "range") return rangeNarrows(parent, child);
      if (child.type === "exact") {
        if (typeof child.value !== "number") {
          return `child exact value ${showValue(child.value)} is not a number, so the parent range cannot hold it`;
        }
        return evaluate(parent, child.value, child.key)
          ? null
          : `child exact value ${child.value} is outside the parent range ${showRange(parent)}`;
      }
      return undeclared(parent, child);

    case "one_of":
      if (child.type === "one_of") {
        const extra = firstOutside(child.set, parent.set.keys);
        return extra === undefined ? null : `child one_of adds value ${showValue(extra)} not in parent`;
      }
      if (child.type === "exact") {
        return parent.set.keys.has(child.key)
          ? null
          : `child exact value ${showValue(child.value)} is not among the parent's one_of values`;
      }
      if (child.type === "not_one_of") {
        // §4.5: "A derived not_one_of under a parent one_of is invalid".
        return "child not_one_of cannot attenuate a parent one_of: it accepts values outside the parent's set";
      }
      return undeclared(parent, child);

    case "not_one_of":
      if (child.type !== "not_one_of") return undeclared(parent, child);
      {
        const dropped = firstOutside(parent.set, child.set.keys);
        return dropped === undefined ? null : `child not_one_of drops excluded value ${showValue(dropped)}`;
      }

    case "contains":
      if (child.type !== "contains") return undeclared(parent, child);
      {
        const dropped = firstOutside(parent.set, child.set.keys);
        return dropped === undefined ? null : `child contains drops required value ${showValue(dropped)}`;
      }

    case "subset":
      if (child.type !== "subset") return undeclared(parent, child);
      {
        const extra = firstOutside(child.set, parent.set.keys);
        return extra === undefined
          ? null
          : `child subset adds allowed value ${showValue(extra)} not in parent`;
      }

    case "all":
      if (child.type !== "all") {
        // §4.5 conservative case (vector J.8.4): flattening all to a bare clause is an undeclared pair.
        return `child ${describe(child)} cannot attenuate a parent all: only an all can (no flattening)`;
      }
      // §4.5: every parent clause must subsume at least one child clause; one child clause may cover
      // several parent clauses, and extra child clauses only narrow further.
      for (let i = 0; i < parent.clauses.length; i++) {
        const pc = parent.clauses[i] as ConstraintNode;
        if (!child.clauses.some((cc) => subsumesNode(pc, cc) === null)) {
          return `parent all clause ${i} (${describe(pc)}) subsumes no child clause`;
        }
      }
      return null;

    case "any":
      if (child.type !== "any") {
        // §4.5 conservative cases: an exact directly under an any, or an all under an any (J.18.1).
        return `child ${describe(child)} cannot attenuate a parent any: only an any can`;
      }
      // §4.5: every child clause must be subsumed by at least one parent clause (cross-type allowed).
      for (let j = 0; j < child.clauses.length; j++) {
        const cc = child.clauses[j] as ConstraintNode;
        if (!parent.clauses.some((pc) => subsumesNode(pc, cc) === null)) {
          return `child any clause ${j} (${describe(cc)}) is not subsumed by any parent clause`;
        }
      }
      return null;

    case "path_containment":
      // Baton extension, not core AAT: the pairs the §5.3 illustration declares.
      if (child.type === "path_containment") {
        return pathWithin(parent.root, child.root)
          ? null
          : `child path_containment root ${showValue(child.root)} is not within the parent root ${showValue(parent.root)}`;
      }
      if (child.type === "exact") {
        return pathContainmentSatisfies(parent.root, child.value)
          ? null
          : `child exact value ${showValue(child.value)} is not a clean path within the parent root ${showValue(parent.root)}`;
      }
      return undeclared(parent, child);
  }
}

function undeclared(parent: ConstraintNode, child: ConstraintNode): string {
  return `child ${child.type} cannot attenuate a parent ${parent.type} (not a valid pair in AAT §4.5)`;
}

/**
 * Does `parent` subsume `child` (child ⊑ parent, §4.5)? Returns null when it does, else a readable
 * reason. Both constraints are validated first, ignoring a top-level `optional` member as step 4p4
 * requires; a malformed or unknown constraint on either side fails closed with a reason.
 */
export function subsumes(parent: JsonValue, child: JsonValue): string | null {
  const p = parseNode(parent, "", 1, true, HELPER_DEPTH_CAP);
  if (!p.ok) return `parent constraint is malformed: ${p.reason}`;
  const c = parseNode(child, "", 1, true, HELPER_DEPTH_CAP);
  if (!c.ok) return `child constraint is malformed: ${c.reason}`;
  return subsumesNode(p.value.node, c.value.node);
}
