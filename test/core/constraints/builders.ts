/** Small builders for constraint JSON, so tests read like the draft's notation. */
import type { JsonValue } from "../../../src/core/constraints/index.ts";

type C = { [k: string]: JsonValue };

export const WILD: C = { constraint_type: "wildcard" };
export const ex = (value: JsonValue): C => ({ constraint_type: "exact", value });
export const rng = (bounds: {
  min?: number;
  max?: number;
  min_inclusive?: boolean;
  max_inclusive?: boolean;
}): C => ({
  constraint_type: "range",
  ...bounds,
});
export const oneOf = (...values: JsonValue[]): C => ({ constraint_type: "one_of", values });
export const notOneOf = (...excluded: JsonValue[]): C => ({ constraint_type: "not_one_of", excluded });
export const contains = (...required: JsonValue[]): C => ({ constraint_type: "contains", required });
export const subset = (...allowed: JsonValue[]): C => ({ constraint_type: "subset", allowed });
export const all = (...constraints: C[]): C => ({ constraint_type: "all", constraints });
export const any = (...constraints: C[]): C => ({ constraint_type: "any", constraints });
/** Baton extension, not core AAT. */
export const pc = (root: string): C => ({ constraint_type: "path_containment", root });
export const opt = (c: C): C => ({ ...c, optional: true });
