/**
 * JSON value helpers: safe member access, JSON-ness checks and JCS (RFC 8785) comparison keys.
 *
 * §3.4 compares constraint values and arguments by their JCS serializations, so every comparison in
 * this module goes through `jcsKey`. Canonicalizing fails for values JCS cannot represent (NaN,
 * infinities, lone surrogates); those are reported as not-a-JSON-value so callers fail closed instead
 * of throwing.
 */

import { showJson } from "../display.ts";
import { canonicalize } from "../json/canonicalize.ts";

/**
 * True for a plain JSON object: not null, not an array, and with `Object.prototype` or a null
 * prototype (parsers that guard against prototype pollution produce the latter). Anything else
 * (a Map, a Date, a class instance) is not JSON and is refused.
 */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Own-property lookup. Plain `obj[key]` would find inherited members for keys such as
 * `constructor` or `__proto__`; this never does.
 */
export function getOwn(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when a string is valid UTF-16 (no lone surrogate), as JCS requires. */
export function isWellFormedString(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/**
 * Returns null when `v` is a JSON value JCS can serialize, else a short reason. Iterative so that a
 * deeply nested array inside, say, `one_of.values` cannot overflow the call stack.
 */
export function jsonValueProblem(v: unknown): string | null {
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    if (x === null || typeof x === "boolean") continue;
    if (typeof x === "number") {
      if (!Number.isFinite(x)) return "a number is not finite";
      continue;
    }
    if (typeof x === "string") {
      if (!isWellFormedString(x)) return "a string contains a lone surrogate";
      continue;
    }
    if (Array.isArray(x)) {
      for (const e of x) stack.push(e);
      continue;
    }
    if (isPlainObject(x)) {
      for (const k of Object.keys(x)) {
        if (!isWellFormedString(k)) return "a member name contains a lone surrogate";
        stack.push(x[k]);
      }
      continue;
    }
    return "a value is not JSON";
  }
  return null;
}

/**
 * The JCS serialization of a JSON value, used as its identity for every comparison (§3.4).
 * Returns null (never throws) when `v` is not a JSON value JCS can serialize.
 */
export function jcsKey(v: unknown): string | null {
  if (jsonValueProblem(v) !== null) return null;
  try {
    const s = canonicalize(v);
    return typeof s === "string" ? s : null;
  } catch {
    return null;
  }
}

/** A short, printable rendering of a value for messages (JSON text, escaped, truncated). */
export function showValue(v: unknown): string {
  return showJson(v);
}
