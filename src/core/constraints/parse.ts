/**
 * Well-formedness of single constraints and constraint maps (AAT -02 §3.3, §3.4; steps 3n/4o).
 *
 * Parsing and validation are one pass: a raw constraint either becomes a `ConstraintNode` or yields
 * the first reason it is malformed. Evaluation (`satisfies.ts`) and subsumption (`subsumes.ts`) only
 * ever see parsed nodes, so a malformed or unknown constraint can never be half-evaluated: it fails
 * closed at this boundary.
 */
import {
  getOwn,
  isPlainObject,
  isWellFormedString,
  jcsKey,
  jsonValueProblem,
  showValue,
} from "./json-value.ts";
import { PATH_CONTAINMENT_MEMBERS, pathProblem } from "./path-containment.ts";
import type { ConstraintNode, MapEntry, ParsedMap, Scalar, ValueSet } from "./types.ts";

/** The members each type defines besides `constraint_type` (and `optional` at top level), §3.4. */
const MEMBERS: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ["exact", ["value"]],
  ["range", ["min", "max", "min_inclusive", "max_inclusive"]],
  ["one_of", ["values"]],
  ["not_one_of", ["excluded"]],
  ["contains", ["required"]],
  ["subset", ["allowed"]],
  ["wildcard", []],
  ["all", ["constraints"]],
  ["any", ["constraints"]],
  // Baton extension, not core AAT (see path-containment.ts).
  ["path_containment", PATH_CONTAINMENT_MEMBERS],
]);

/**
 * A recursion bound for the helpers that take no options (`satisfies`, `subsumes`, the map
 * functions). The protocol limit, MAX_CONSTRAINT_DEPTH, is enforced by `checkToolsWellFormed` at
 * 3n/4o; this cap only guarantees termination and a bounded stack on input that skipped that step.
 */
export const HELPER_DEPTH_CAP = 1024;

/** A parse failure: where (a path suffix relative to the constraint, e.g. `.constraints[1]`) and why. */
export interface ParseFailure {
  ok: false;
  at: string;
  reason: string;
}

export type ParseResult<T> = { ok: true; value: T } | ParseFailure;

function fail(at: string, reason: string): ParseFailure {
  return { ok: false, at, reason };
}

function parseValueSet(raw: unknown, at: string, member: string, nonEmpty: boolean): ParseResult<ValueSet> {
  if (!Array.isArray(raw)) return fail(at, `${member} must be an array`);
  if (nonEmpty && raw.length === 0) return fail(at, `${member} must not be empty`);
  const keyList: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const key = jcsKey(raw[i]);
    if (key === null) {
      return fail(
        `${at}[${i}]`,
        `not a JSON value: ${jsonValueProblem(raw[i]) ?? "cannot be canonicalized"}`,
      );
    }
    keyList.push(key);
  }
  return { ok: true, value: { values: raw, keyList, keys: new Set(keyList) } };
}

function isScalar(v: unknown): v is Scalar {
  return (
    v === null ||
    typeof v === "boolean" ||
    (typeof v === "number" && Number.isFinite(v)) ||
    (typeof v === "string" && isWellFormedString(v))
  );
}

function parseRange(c: Record<string, unknown>, at: string): ParseResult<ConstraintNode> {
  const min = getOwn(c, "min");
  const max = getOwn(c, "max");
  const minInc = getOwn(c, "min_inclusive");
  const maxInc = getOwn(c, "max_inclusive");
  for (const [name, v] of [
    ["min", min],
    ["max", max],
  ] as const) {
    if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v))) {
      return fail(`${at}.${name}`, `range ${name} must be a number`);
    }
  }
  for (const [name, v, bound] of [
    ["min_inclusive", minInc, min],
    ["max_inclusive", maxInc, max],
  ] as const) {
    if (v === undefined) continue;
    if (typeof v !== "boolean") return fail(`${at}.${name}`, `range ${name} must be a boolean`);
    // §3.4: the inclusivity flags are "present only with the corresponding bound".
    if (bound === undefined)
      return fail(`${at}.${name}`, `range ${name} is only allowed together with its bound`);
  }
  const lo = typeof min === "number" ? min : null;
  const hi = typeof max === "number" ? max : null;
  if (lo !== null && hi !== null && lo > hi) return fail(at, `range min ${lo} is greater than max ${hi}`);
  return {
    ok: true,
    value: {
      type: "range",
      min: lo,
      max: hi,
      minInclusive: minInc !== false,
      maxInclusive: maxInc !== false,
    },
  };
}

function parseBody(
  c: Record<string, unknown>,
  type: string,
  at: string,
  depth: number,
  maxDepth: number,
): ParseResult<ConstraintNode> {
  switch (type) {
    case "exact": {
      if (!Object.hasOwn(c, "value")) return fail(at, "exact has no value member");
      const value = c.value;
      if (!isScalar(value))
        return fail(`${at}.value`, "exact value must be a string, number, boolean or null");
      const key = jcsKey(value);
      if (key === null) return fail(`${at}.value`, "exact value cannot be canonicalized");
      return { ok: true, value: { type: "exact", value, key } };
    }
    case "range":
      return parseRange(c, at);
    case "one_of":
    case "not_one_of":
    case "contains":
    case "subset": {
      const member =
        type === "one_of"
          ? "values"
          : type === "not_one_of"
            ? "excluded"
            : type === "contains"
              ? "required"
              : "allowed";
      if (!Object.hasOwn(c, member)) return fail(at, `${type} has no ${member} member`);
      // §3.4: only one_of.values must be non-empty; an empty excluded/required/allowed is well-formed.
      const set = parseValueSet(c[member], `${at}.${member}`, member, type === "one_of");
      if (!set.ok) return set;
      return { ok: true, value: { type, set: set.value } };
    }
    case "wildcard":
      return { ok: true, value: { type: "wildcard" } };
    case "all":
    case "any": {
      if (!Object.hasOwn(c, "constraints")) return fail(at, `${type} has no constraints member`);
      const raw = c.constraints;
      if (!Array.isArray(raw)) return fail(`${at}.constraints`, `${type} constraints must be an array`);
      // An empty conjunction would accept everything while looking restrictive (§4.5), and an empty
      // disjunction is invalid too; both are rejected wherever they appear.
      if (raw.length === 0) return fail(`${at}.constraints`, `${type} has an empty constraints array`);
      const clauses: ConstraintNode[] = [];
      for (let i = 0; i < raw.length; i++) {
        const sub = parseNode(raw[i], `${at}.constraints[${i}]`, depth + 1, false, maxDepth);
        if (!sub.ok) return sub;
        clauses.push(sub.value.node);
      }
      return { ok: true, value: { type, clauses } };
    }
    case "path_containment": {
      // Baton extension, not core AAT.
      if (!Object.hasOwn(c, "root")) return fail(at, "path_containment has no root member");
      const root = c.root;
      if (typeof root !== "string") return fail(`${at}.root`, "path_containment root must be a string");
      const why = pathProblem(root);
      if (why !== null) return fail(`${at}.root`, `path_containment root ${showValue(root)} ${why}`);
      return { ok: true, value: { type: "path_containment", root } };
    }
    default:
      return fail(at, `unknown constraint_type ${showValue(type)} (fail closed)`);
  }
}

/**
 * Parses one constraint. `depth` is 1 for a map entry; `topLevel` says whether `optional` may appear.
 * A non-composite constraint has depth 1 and a composite one more than its deepest clause (§3.4), so
 * a tree is too deep exactly when some node sits at a depth above `maxDepth`.
 */
export function parseNode(
  raw: unknown,
  at: string,
  depth: number,
  topLevel: boolean,
  maxDepth: number,
): ParseResult<MapEntry> {
  if (depth > maxDepth)
    return fail(at, `constraint nesting is deeper than MAX_CONSTRAINT_DEPTH (${maxDepth})`);
  if (!isPlainObject(raw)) return fail(at, "constraint is not a JSON object");
  const type = getOwn(raw, "constraint_type");
  if (typeof type !== "string") return fail(at, "constraint_type is missing or not a string");
  const members = MEMBERS.get(type);
  if (members === undefined) return fail(at, `unknown constraint_type ${showValue(type)} (fail closed)`);
  for (const key of Object.keys(raw)) {
    if (key === "constraint_type") continue;
    if (key === "optional") {
      // §3.3: `optional` is a top-level map-entry member only, and MUST NOT appear inside all/any.
      if (!topLevel) return fail(`${at}.optional`, "optional is not allowed inside all/any");
      if (typeof raw.optional !== "boolean") return fail(`${at}.optional`, "optional must be a boolean");
      continue;
    }
    // §3.4: a member the type does not define makes the constraint malformed (a misspelled bound
    // would otherwise silently widen it).
    if (!members.includes(key)) return fail(at, `member ${showValue(key)} is not defined for ${type}`);
  }
  const body = parseBody(raw, type, at, depth, maxDepth);
  if (!body.ok) return body;
  return { ok: true, value: { node: body.value, optional: getOwn(raw, "optional") === true } };
}

/** A constraint-map parse failure; `arg` names the offending entry when there is one. */
export interface MapFailure {
  ok: false;
  arg?: string;
  at: string;
  reason: string;
}

/** True when `raw` is exactly `{"constraint_type": "wildcard"}`, the only `"*"` entry allowed (§3.3). */
function isPlainWildcard(raw: unknown): boolean {
  if (!isPlainObject(raw)) return false;
  const keys = Object.keys(raw);
  return keys.length === 1 && keys[0] === "constraint_type" && raw.constraint_type === "wildcard";
}

/**
 * Parses and normalizes one constraint map (§3.3): `{}` becomes `{"*": wildcard}`, the `"*"` entry
 * must be exactly a wildcard without `optional`, and every other entry is parsed as a top-level
 * constraint.
 */
export function parseMap(raw: unknown, maxDepth: number): { ok: true; value: ParsedMap } | MapFailure {
  if (!isPlainObject(raw)) return { ok: false, at: "", reason: "constraint map is not a JSON object" };
  const keys = Object.keys(raw);
  const named = new Map<string, MapEntry>();
  if (keys.length === 0) return { ok: true, value: { named, star: true } };
  let star = false;
  for (const arg of keys) {
    const entry = raw[arg];
    if (arg === "*") {
      if (!isPlainWildcard(entry)) {
        return {
          ok: false,
          arg,
          at: "",
          reason: 'the "*" entry must be exactly {"constraint_type":"wildcard"}',
        };
      }
      star = true;
      continue;
    }
    const parsed = parseNode(entry, "", 1, true, maxDepth);
    if (!parsed.ok) return { ok: false, arg, at: parsed.at, reason: parsed.reason };
    named.set(arg, parsed.value);
  }
  return { ok: true, value: { named, star } };
}
