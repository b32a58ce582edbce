/**
 * Steps 3n and 4o of AAT -02 §8: the well-formedness walk over a whole `tools` map.
 *
 * Every tool is checked, whether or not it is about to be invoked: §8 walks "each constraint in each
 * constraint map", so a malformed constraint on an unused tool still invalidates the token.
 */
import { BatonError } from "../errors.ts";
import { memberStep, subject, toolPath } from "./format.ts";
import { isPlainObject } from "./json-value.ts";
import { parseMap } from "./parse.ts";
import type { ConstraintNode, Problem } from "./types.ts";

/** Options of `checkToolsWellFormed`. */
export interface WellFormedOptions {
  /** MAX_CONSTRAINT_DEPTH (§3.4): a positive integer; 32 is RECOMMENDED. */
  maxConstraintDepth: number;
  /** Clauses of one `all`/`any`, at most (default {@link SIZE_DEFAULTS}). */
  maxCompositeClauses?: number;
  /** Constraint nodes in one argument's constraint tree, at most. */
  maxArgumentNodes?: number;
  /** Constraint nodes in the whole `tools` map of one token, at most. */
  maxConstraintNodes?: number;
  /** Length of a tool id or an argument name, in UTF-16 code units, at most (App. B.5: 256). */
  maxNameLength?: number;
}

/**
 * Size limits of a `tools` map. They bound verification work: subsumption (4p4) compares every
 * parent clause with every child clause, so its cost is at most (parent nodes) × (child nodes) of
 * one argument's trees, and these limits keep that product small and every walk linear in the map.
 */
export const SIZE_DEFAULTS = Object.freeze({
  maxCompositeClauses: 32,
  maxArgumentNodes: 64,
  maxConstraintNodes: 1024,
  maxNameLength: 256,
});

/**
 * Checks a whole `tools` map for well-formedness (steps 3n/4o): `tools` is an object of objects;
 * every constraint has a known `constraint_type` (the nine core types, plus Baton's
 * `path_containment` extension), only the members its type defines, well-formed values, no empty
 * `all`/`any`, no `optional` below the top level, and a nesting depth within `maxConstraintDepth`;
 * a `"*"` entry is exactly `{"constraint_type":"wildcard"}`.
 *
 * Returns null when the map is well-formed, else the first problem found.
 * Throws `BatonError` only for a bad `maxConstraintDepth` (a configuration error, not a token error).
 */
export function checkToolsWellFormed(tools: unknown, options: WellFormedOptions): Problem | null {
  const max = options.maxConstraintDepth;
  const size: Record<keyof typeof SIZE_DEFAULTS, number> = { ...SIZE_DEFAULTS };
  for (const k of Object.keys(SIZE_DEFAULTS) as (keyof typeof SIZE_DEFAULTS)[]) {
    const v = options[k];
    if (v !== undefined) size[k] = v;
  }
  for (const [k, v] of [["maxConstraintDepth", max], ...Object.entries(size)] as const) {
    if (!Number.isSafeInteger(v) || (v as number) < 1) {
      throw new BatonError("invalid_config", `${k} must be a positive integer, got ${String(v)}`);
    }
  }
  if (!isPlainObject(tools)) return { path: "tools", message: "tools is not a JSON object" };
  let total = 0;
  for (const tool of Object.keys(tools)) {
    const base = toolPath(tool);
    if (tool.length > size.maxNameLength) {
      return tooLarge(
        base,
        `${subject(tool)}: the tool id is ${tool.length} characters, over the ${size.maxNameLength} limit`,
      );
    }
    const parsed = parseMap(tools[tool], max);
    if (parsed.ok) {
      for (const [arg, entry] of parsed.value.named) {
        const at = `${base}${memberStep(arg)}`;
        if (arg.length > size.maxNameLength) {
          return tooLarge(
            at,
            `${subject(tool)}: an argument name is ${arg.length} characters, over the ${size.maxNameLength} limit`,
          );
        }
        const m = measure(entry.node, "", size.maxCompositeClauses);
        if (typeof m === "string") {
          return tooLarge(
            `${at}${m}`,
            `${subject(tool, arg)}: an all/any holds more than ${size.maxCompositeClauses} clauses (at ${m.slice(1) || "the top"})`,
          );
        }
        if (m > size.maxArgumentNodes) {
          return tooLarge(
            at,
            `${subject(tool, arg)}: the constraint has ${m} nodes, over the ${size.maxArgumentNodes} limit per argument`,
          );
        }
        total += m;
        if (total > size.maxConstraintNodes) {
          return tooLarge("tools", `the tools map has more than ${size.maxConstraintNodes} constraint nodes`);
        }
      }
      continue;
    }
    if (parsed.arg === undefined) {
      return { path: base, message: `${subject(tool)}: ${parsed.reason}` };
    }
    const where = parsed.at === "" ? "" : ` (at ${parsed.at.slice(1)})`;
    return {
      path: `${base}${memberStep(parsed.arg)}${parsed.at}`,
      // The "*" key names no argument (§3.3), so its problems are phrased about the tool.
      message: `${subject(tool, parsed.arg === "*" ? undefined : parsed.arg)}: ${parsed.reason}${where}`,
    };
  }
  return null;
}

function tooLarge(path: string, message: string): Problem {
  return { path, message, code: "constraint_too_large" };
}

/**
 * Nodes in a parsed tree, or the path (relative, e.g. `.constraints[2]`) of the first composite with
 * more than `maxClauses` clauses. Recursion is bounded by MAX_CONSTRAINT_DEPTH, checked by the parse.
 */
function measure(node: ConstraintNode, at: string, maxClauses: number): number | string {
  if (node.type !== "all" && node.type !== "any") return 1;
  if (node.clauses.length > maxClauses) return at;
  let n = 1;
  for (let i = 0; i < node.clauses.length; i++) {
    const m = measure(node.clauses[i] as ConstraintNode, `${at}.constraints[${i}]`, maxClauses);
    if (typeof m === "string") return m;
    n += m;
  }
  return n;
}
