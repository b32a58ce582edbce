/**
 * Arguments must survive JSON unchanged. A verifier decides on the arguments as JSON carries them
 * (the PoP's `hta` is JCS over JSON), while a handler runs on the in-memory value; any value that
 * `JSON.stringify` would drop, turn into `null` or otherwise change (`Infinity` from a body's
 * `1e400`, `-0`, `undefined`, a `Date`, a sparse array) would make the two differ. Such arguments
 * are refused before anything is sent or verified, with the code `args_rejected` (step 6b, as the
 * core verifier refuses non-finite numbers) and the path of the first offending value.
 *
 * @example
 * const bad = nonJsonArgument({ amount: JSON.parse("1e400") });
 * // → { path: "amount", reason: "is a non-finite number (Infinity or NaN)" }
 */
import type { Decision } from "../core/chain/options.ts";

/** Where the first value JSON cannot represent sits, and why. */
export interface NonJsonArgument {
  /** `a.b[2]`-style path from the arguments object; `(args)` for the object itself. */
  path: string;
  reason: string;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/;
const MAX_PATH = 200;

function member(path: string, key: string): string {
  const next = IDENT.test(key)
    ? path === ""
      ? key
      : `${path}.${key}`
    : `${path}[${JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key)}]`;
  return next.length > MAX_PATH ? `${next.slice(0, MAX_PATH)}…` : next;
}

/** Why `v` (not a container) has no faithful JSON form, or null when it has one. */
function scalarProblem(v: unknown): string | null {
  switch (typeof v) {
    case "string":
    case "boolean":
      return null;
    case "number":
      if (!Number.isFinite(v)) return "is a non-finite number (Infinity or NaN), which JSON cannot carry";
      if (Object.is(v, -0)) return "is negative zero, which JSON serialization turns into 0";
      return null;
    case "bigint":
      return "is a bigint, which JSON cannot carry";
    case "undefined":
      return "is undefined, which JSON drops";
    case "function":
      return "is a function, which JSON drops";
    case "symbol":
      return "is a symbol, which JSON drops";
    default:
      return null;
  }
}

/**
 * The first value of `args` that JSON cannot represent as parsed, or null when `args` is a plain
 * JSON object all the way down. Walks iteratively (no stack overflow on deep input) and refuses
 * cycles, accessors, symbol keys, sparse or decorated arrays and non-plain objects.
 */
export function nonJsonArgument(args: unknown): NonJsonArgument | null {
  if (args === null || typeof args !== "object" || Array.isArray(args)) {
    return { path: "(args)", reason: "is not a JSON object" };
  }
  const onPath = new Set<object>();
  // Depth-first; an "exit" entry removes a container from the current path (cycle detection).
  const stack: ({ value: unknown; path: string } | { exit: object })[] = [{ value: args, path: "" }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; path: string } | { exit: object };
    if ("exit" in item) {
      onPath.delete(item.exit);
      continue;
    }
    const { value, path } = item;
    const where = path === "" ? "(args)" : path;
    if (value === null) continue;
    if (typeof value !== "object") {
      const reason = scalarProblem(value);
      if (reason) return { path: where, reason };
      continue;
    }
    if (onPath.has(value)) return { path: where, reason: "refers back to a containing value (a cycle)" };
    const proto = Object.getPrototypeOf(value) as unknown;
    const isArray = Array.isArray(value);
    if (isArray ? proto !== Array.prototype : proto !== Object.prototype && proto !== null) {
      const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
      return {
        path: where,
        reason: `is a ${typeof name === "string" && name !== "" ? name : "non-plain object"}, not a plain JSON ${isArray ? "array" : "object"}`,
      };
    }
    if (Object.getOwnPropertySymbols(value).length > 0) {
      return { path: where, reason: "has symbol-keyed members, which JSON drops" };
    }
    const descriptors = Object.getOwnPropertyDescriptors(value) as Record<string, PropertyDescriptor>;
    const keys = Object.keys(descriptors);
    onPath.add(value);
    stack.push({ exit: value });
    if (isArray) {
      const arr = value as unknown[];
      for (let i = arr.length - 1; i >= 0; i--) {
        const d = descriptors[String(i)];
        if (d === undefined) return { path: `${where}[${i}]`, reason: "is a hole in a sparse array" };
        if (!("value" in d)) return { path: `${where}[${i}]`, reason: "is an accessor, not a data value" };
        stack.push({ value: d.value, path: `${path}[${i}]` });
      }
      // Own members besides the indices and length (JSON.stringify drops them).
      if (keys.length !== arr.length + 1) {
        return { path: where, reason: "is an array with extra named members, which JSON drops" };
      }
      continue;
    }
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i] as string;
      const d = descriptors[k] as PropertyDescriptor;
      const p = member(path, k);
      if (!d.enumerable) return { path: p, reason: "is a non-enumerable member, which JSON drops" };
      if (!("value" in d)) return { path: p, reason: "is an accessor, not a data value" };
      stack.push({ value: d.value, path: p });
    }
  }
  return null;
}

/** The denial for arguments that JSON cannot represent (see {@link nonJsonArgument}). */
export function nonJsonDenial(bad: NonJsonArgument, tool: unknown): Decision {
  const name =
    typeof tool === "string" ? JSON.stringify(tool.length > 128 ? `${tool.slice(0, 128)}…` : tool) : "?";
  const subject = bad.path === "(args)" ? "the arguments" : `argument ${bad.path}`;
  return {
    allow: false,
    code: "args_rejected",
    step: "6b",
    token: null,
    message: `the call to ${name} is refused before verification: ${subject} ${bad.reason}`,
    intent: null,
    holder: null,
    detail: { argument: bad.path },
  };
}
