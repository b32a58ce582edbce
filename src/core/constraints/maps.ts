/**
 * Constraint-map rules: the closed-world invocation check (AAT -02 §3.3, §8 step 6b) and the key
 * rules plus per-key subsumption of derivation (§4.5, §8 steps 4p1-4p4).
 *
 * Both functions normalize maps first (`{}` is `{"*": wildcard}`) and keep argument names in a
 * `Map`, never in an object, so names such as `__proto__` or `constructor` are ordinary keys. Both
 * fail closed on input that skipped the 3n/4o well-formedness walk.
 */
import { subject } from "./format.ts";
import { getOwn, isPlainObject, jcsKey } from "./json-value.ts";
import { HELPER_DEPTH_CAP, type MapFailure, parseMap } from "./parse.ts";
import { evaluate } from "./satisfies.ts";
import { subsumesNode } from "./subsumes.ts";
import type { ConstraintNode, JsonValue, MapEntry, ParsedMap, ToolsMap } from "./types.ts";

/** The result of `checkInvocation` when the invocation is refused. */
export interface InvocationFailure {
  code: "tool_not_granted" | "args_rejected";
  arg?: string;
  message: string;
}

/** The result of `narrowsTools` when the child does not attenuate the parent. */
export interface NarrowingFailure {
  step: "4p1" | "4p2" | "4p3" | "4p4";
  tool: string;
  arg?: string;
  message: string;
}

const WILDCARD: ConstraintNode = { type: "wildcard" };

function describeMapFailure(tool: string, f: MapFailure): string {
  const where = f.at === "" ? "" : ` (at ${f.at.slice(1)})`;
  // The "*" key names no argument (§3.3), so its problems are phrased about the tool.
  return f.arg === undefined || f.arg === "*"
    ? `${subject(tool)}: ${f.reason}`
    : `${subject(tool, f.arg)}: malformed constraint: ${f.reason}${where}`;
}

/**
 * Closed-world check of one invocation against the leaf's `tools` (step 6b). With the tool's map
 * normalized: each argument must be named by the map (and satisfy that constraint) or fall under
 * `"*"`; every named argument that is not optional must be present; an optional one may be absent.
 * An argument literally named `"*"` is unnamed (§3.3). Number admissibility of `args` is the
 * caller's job (it needs the numbers as written).
 *
 * Returns null when the invocation is permitted, else the refusal with a message naming the tool and
 * argument. Argument values are never echoed in messages, since they may carry sensitive data.
 */
export function checkInvocation(
  tools: ToolsMap,
  tool: string,
  args: Record<string, JsonValue>,
): null | InvocationFailure {
  const rawTools: unknown = tools;
  if (!isPlainObject(rawTools) || !Object.hasOwn(rawTools, tool)) {
    return { code: "tool_not_granted", message: `${subject(tool)} is not granted by the leaf token` };
  }
  const parsed = parseMap(getOwn(rawTools, tool), HELPER_DEPTH_CAP);
  if (!parsed.ok) {
    const failure: InvocationFailure = { code: "args_rejected", message: describeMapFailure(tool, parsed) };
    if (parsed.arg !== undefined) failure.arg = parsed.arg;
    return failure;
  }
  const map = parsed.value;
  const rawArgs: unknown = args;
  if (!isPlainObject(rawArgs)) {
    return { code: "args_rejected", message: `${subject(tool)}: the arguments are not a JSON object` };
  }
  for (const arg of Object.keys(rawArgs)) {
    const value = rawArgs[arg];
    const key = jcsKey(value);
    if (key === null) {
      return { code: "args_rejected", arg, message: `${subject(tool, arg)} is not a JSON value` };
    }
    const entry = arg === "*" ? undefined : map.named.get(arg);
    if (entry !== undefined) {
      if (!evaluate(entry.node, value as JsonValue, key)) {
        return {
          code: "args_rejected",
          arg,
          message: `${subject(tool, arg)} does not satisfy its ${entry.node.type} constraint`,
        };
      }
      continue;
    }
    if (!map.star) {
      return {
        code: "args_rejected",
        arg,
        message: `${subject(tool, arg)} is not named by the constraint map, which has no "*" entry`,
      };
    }
    // The "*" entry is always a plain wildcard (§3.3), so any JSON value is accepted here.
    if (!evaluate(WILDCARD, value as JsonValue, key)) {
      return { code: "args_rejected", arg, message: `${subject(tool, arg)} does not satisfy the "*" entry` };
    }
  }
  for (const [arg, entry] of map.named) {
    if (!entry.optional && !Object.hasOwn(rawArgs, arg)) {
      return { code: "args_rejected", arg, message: `${subject(tool, arg)} is missing and required` };
    }
  }
  return null;
}

interface ToolPair {
  tool: string;
  parent: ParsedMap;
  child: ParsedMap;
}

/** Step 4p2 for one tool: the key rules of §4.5. */
function keyRules({ tool, parent, child }: ToolPair): NarrowingFailure | null {
  for (const arg of child.named.keys()) {
    if (!parent.named.has(arg) && !parent.star) {
      return {
        step: "4p2",
        tool,
        arg,
        message: `${subject(tool, arg)} is not named by the parent, which has no "*" entry`,
      };
    }
  }
  for (const [arg, entry] of parent.named) {
    if (child.named.has(arg)) continue;
    if (!entry.optional) {
      return {
        step: "4p2",
        tool,
        arg,
        message: `${subject(tool, arg)} is required by the parent and cannot be omitted`,
      };
    }
    if (child.star) {
      return {
        step: "4p2",
        tool,
        arg,
        message: `${subject(tool, arg)} is omitted, but the child's "*" entry would readmit it with any value`,
      };
    }
  }
  if (child.star && !parent.star) {
    return {
      step: "4p2",
      tool,
      message: `${subject(tool)}: child adds a "*" entry (or an empty map) the parent does not have`,
    };
  }
  return null;
}

/** Step 4p3 for one tool: an argument the parent requires stays required. */
function requiredStaysRequired({ tool, parent, child }: ToolPair): NarrowingFailure | null {
  for (const [arg, entry] of child.named) {
    const p = parent.named.get(arg);
    if (p !== undefined && !p.optional && entry.optional) {
      return {
        step: "4p3",
        tool,
        arg,
        message: `${subject(tool, arg)} is required by the parent but optional in the child`,
      };
    }
  }
  return null;
}

/** Step 4p4 for one tool: each child constraint is subsumed by the parent's (or the parent's "*"). */
function perKeySubsumption({ tool, parent, child }: ToolPair): NarrowingFailure | null {
  for (const [arg, entry] of child.named) {
    const p: MapEntry | undefined = parent.named.get(arg);
    // Key rules already guarantee the parent has "*" when it does not name the argument; the "*"
    // entry is always a plain wildcard. `optional` is ignored here, as 4p4 requires.
    const parentNode = p === undefined ? (parent.star ? WILDCARD : undefined) : p.node;
    if (parentNode === undefined) {
      return { step: "4p2", tool, arg, message: `${subject(tool, arg)} is not admitted by the parent` };
    }
    const why = subsumesNode(parentNode, entry.node);
    if (why !== null) return { step: "4p4", tool, arg, message: `${subject(tool, arg)}: ${why}` };
  }
  return null;
}

/**
 * Does the child `tools` attenuate the parent `tools` (I4, step 4p)? Runs the substeps in the
 * order of §8: 4p1 (every child tool is in the parent) for all tools, then 4p2 (key rules), 4p3
 * (required stays required) and 4p4 (per-key subsumption, ignoring `optional`), each over every tool
 * the two maps share, and explains the first failure.
 *
 * Inputs are expected to have passed `checkToolsWellFormed`; a map that did not fails closed
 * (reported at 4p2 for a malformed map, 4p4 for a malformed constraint).
 */
export function narrowsTools(parent: ToolsMap, child: ToolsMap): null | NarrowingFailure {
  const rawParent: unknown = parent;
  const rawChild: unknown = child;
  if (!isPlainObject(rawChild)) {
    return { step: "4p1", tool: "", message: "the child's tools is not a JSON object" };
  }
  if (!isPlainObject(rawParent)) {
    return { step: "4p1", tool: "", message: "the parent's tools is not a JSON object" };
  }
  const tools = Object.keys(rawChild);
  for (const tool of tools) {
    if (!Object.hasOwn(rawParent, tool)) {
      return { step: "4p1", tool, message: `${subject(tool)} is not granted by the parent token` };
    }
  }
  const pairs: ToolPair[] = [];
  for (const tool of tools) {
    const p = parseMap(getOwn(rawParent, tool), HELPER_DEPTH_CAP);
    const c = parseMap(rawChild[tool], HELPER_DEPTH_CAP);
    for (const [side, r] of [
      ["parent", p],
      ["child", c],
    ] as const) {
      if (!r.ok) {
        const failure: NarrowingFailure = {
          step: r.arg === undefined || r.arg === "*" ? "4p2" : "4p4",
          tool,
          message: `${describeMapFailure(tool, r)} (in the ${side} token)`,
        };
        if (r.arg !== undefined) failure.arg = r.arg;
        return failure;
      }
    }
    if (p.ok && c.ok) pairs.push({ tool, parent: p.value, child: c.value });
  }
  for (const check of [keyRules, requiredStaysRequired, perKeySubsumption]) {
    for (const pair of pairs) {
      const failure = check(pair);
      if (failure !== null) return failure;
    }
  }
  return null;
}
