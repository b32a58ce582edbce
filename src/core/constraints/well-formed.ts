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
import type { Problem } from "./types.ts";

/** Options of `checkToolsWellFormed`. */
export interface WellFormedOptions {
  /** MAX_CONSTRAINT_DEPTH (§3.4): a positive integer; 32 is RECOMMENDED. */
  maxConstraintDepth: number;
}

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
  if (!Number.isSafeInteger(max) || max < 1) {
    throw new BatonError(
      "invalid_config",
      `maxConstraintDepth must be a positive integer, got ${String(max)}`,
    );
  }
  if (!isPlainObject(tools)) return { path: "tools", message: "tools is not a JSON object" };
  for (const tool of Object.keys(tools)) {
    const parsed = parseMap(tools[tool], max);
    if (parsed.ok) continue;
    const base = toolPath(tool);
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
