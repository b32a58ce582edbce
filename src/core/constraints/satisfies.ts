/**
 * The `check` predicate of each constraint type (AAT -02 §3.4), used at step 6b.
 *
 * Values are compared by their JCS serialization; `contains` and `subset` treat arrays as sets.
 * An argument that is not a JSON value JCS can serialize satisfies nothing, not even `wildcard`:
 * such a value could not be compared with the PoP's `hta` either, so admitting it would only open a
 * gap between what was checked and what the tool receives.
 */
import { jcsKey } from "./json-value.ts";
import { HELPER_DEPTH_CAP, parseNode } from "./parse.ts";
import { pathContainmentSatisfies } from "./path-containment.ts";
import type { ConstraintNode, JsonValue } from "./types.ts";

function inRange(node: Extract<ConstraintNode, { type: "range" }>, v: number): boolean {
  if (node.min !== null && (v < node.min || (v === node.min && !node.minInclusive))) return false;
  if (node.max !== null && (v > node.max || (v === node.max && !node.maxInclusive))) return false;
  return true;
}

/** The JCS keys of an array's elements, or null when `v` is not an array. */
function elementKeys(v: JsonValue): Set<string> | null {
  if (!Array.isArray(v)) return null;
  const keys = new Set<string>();
  for (const e of v) {
    const k = jcsKey(e);
    if (k === null) return null;
    keys.add(k);
  }
  return keys;
}

/**
 * Evaluates a parsed constraint against a value already known to be JSON, whose JCS form is `key`.
 * Exported for the map functions, which parse once and evaluate many arguments.
 */
export function evaluate(node: ConstraintNode, v: JsonValue, key: string): boolean {
  switch (node.type) {
    case "exact":
      return node.key === key;
    case "range":
      // Booleans and numeric strings are not numbers: only a JSON number can satisfy a range.
      return typeof v === "number" && inRange(node, v);
    case "one_of":
      return node.set.keys.has(key);
    case "not_one_of":
      return !node.set.keys.has(key);
    case "contains": {
      const have = elementKeys(v);
      if (have === null) return false;
      for (const k of node.set.keys) if (!have.has(k)) return false;
      return true;
    }
    case "subset": {
      const have = elementKeys(v);
      if (have === null) return false;
      for (const k of have) if (!node.set.keys.has(k)) return false;
      return true;
    }
    case "wildcard":
      return true;
    case "all":
      return node.clauses.every((c) => evaluate(c, v, key));
    case "any":
      return node.clauses.some((c) => evaluate(c, v, key));
    case "path_containment":
      // Baton extension, not core AAT.
      return pathContainmentSatisfies(node.root, v);
  }
}

/**
 * Does `value` satisfy `constraint`? A map entry's `optional` member is ignored (presence is a map
 * rule, not part of the predicate). Fails closed: a malformed or unknown constraint, or an absent
 * (`undefined`) or non-JSON value, yields false.
 */
export function satisfies(constraint: JsonValue, value: JsonValue | undefined): boolean {
  if (value === undefined) return false;
  const key = jcsKey(value);
  if (key === null) return false;
  const parsed = parseNode(constraint, "", 1, true, HELPER_DEPTH_CAP);
  if (!parsed.ok) return false;
  return evaluate(parsed.value.node, value, key);
}
