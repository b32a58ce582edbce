/**
 * Shared types of the constraint module (AAT -02 §3.3, §3.4).
 *
 * Two layers exist on purpose: the raw JSON shapes that arrive inside `authorization_details`
 * (`JsonValue`, `ConstraintMap`, `ToolsMap`), and the validated tree (`ConstraintNode`) that the
 * evaluation and subsumption code works on. Only `parse.ts` turns the first into the second, so every
 * later step runs on input that has already passed the well-formedness rules, and anything the parser
 * does not understand can never reach a code path that might accept it.
 */

/** A JSON value as produced by a strict JSON parser. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** A constraint map: argument name (or the reserved `"*"`) to constraint object (§3.3). */
export type ConstraintMap = Record<string, JsonValue>;

/** The `tools` member of an AAT entry: tool id to constraint map (§3.3). */
export type ToolsMap = Record<string, ConstraintMap>;

/** A well-formedness failure, located by a JSONPath-like `path` such as `tools["read_file"].path.constraints[1]`. */
export interface Problem {
  path: string;
  message: string;
  /** Set when the map is well-formed but over a size limit (reported as `constraint_too_large`). */
  code?: "constraint_too_large";
}

/** The nine core constraint types of §3.4, exactly. */
export const CORE_CONSTRAINT_TYPES = [
  "exact",
  "range",
  "one_of",
  "not_one_of",
  "contains",
  "subset",
  "wildcard",
  "all",
  "any",
] as const;

/**
 * Baton extension constraint types. These are NOT core AAT: -02 §5 says an implementation that
 * evaluates an unregistered type does not conform for chains that contain it. Baton implements the
 * §5.3 illustration as part of its own profile.
 */
export const BATON_EXTENSION_TYPES = ["path_containment"] as const;

export type CoreConstraintType = (typeof CORE_CONSTRAINT_TYPES)[number];
export type ExtensionConstraintType = (typeof BATON_EXTENSION_TYPES)[number];
export type ConstraintType = CoreConstraintType | ExtensionConstraintType;

/** A scalar, the only thing `exact.value` may hold (§3.4). */
export type Scalar = null | boolean | number | string;

/**
 * A set of JSON values compared by JCS serialization: `keyList[i]` is the JCS string of `values[i]`,
 * and `keys` holds the distinct JCS strings for membership tests.
 */
export interface ValueSet {
  values: JsonValue[];
  keyList: string[];
  keys: Set<string>;
}

/**
 * A validated constraint. Every member has been checked, JCS keys are precomputed, and range
 * defaults are filled in (inclusive bounds default to true, §3.4).
 */
export type ConstraintNode =
  | { type: "exact"; value: Scalar; key: string }
  | { type: "range"; min: number | null; max: number | null; minInclusive: boolean; maxInclusive: boolean }
  | { type: "one_of"; set: ValueSet }
  | { type: "not_one_of"; set: ValueSet }
  | { type: "contains"; set: ValueSet }
  | { type: "subset"; set: ValueSet }
  | { type: "wildcard" }
  | { type: "all"; clauses: ConstraintNode[] }
  | { type: "any"; clauses: ConstraintNode[] }
  /** Baton extension (not core AAT): see `path-containment.ts`. */
  | { type: "path_containment"; root: string };

/** One top-level map entry after validation: its constraint and whether the argument may be absent. */
export interface MapEntry {
  node: ConstraintNode;
  optional: boolean;
}

/**
 * A validated, normalized constraint map. `named` is a `Map` rather than an object so that argument
 * names such as `__proto__` or `constructor` can never collide with prototype members. `star` is true
 * when the map carries `"*"` or was empty (§3.3: `{}` is `{"*": wildcard}`).
 */
export interface ParsedMap {
  named: Map<string, MapEntry>;
  star: boolean;
}
