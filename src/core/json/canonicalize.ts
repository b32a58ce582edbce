/**
 * JSON Canonicalization Scheme (RFC 8785): members sorted by UTF-16 code units, numbers written the
 * ECMAScript way, strings as JSON.stringify writes them (lone surrogates refused).
 *
 * A TypeScript port of `canonicalize` 5.1.0 (https://github.com/erdtman/canonicalize, Apache-2.0,
 * Copyright Samuel Erdtman), kept in core instead of depending on the package because 5.x
 * declares Node >= 22 (an EBADENGINE warning on every `npm ci` of the development checkout on Node
 * 20) and 4.x recurses (a stack overflow on deeply nested input, which our own tests feed it).
 * Same algorithm: an explicit stack instead of recursion, so nesting depth is bounded by the heap;
 * toJSON is honoured, boxed primitives unwrap, cycles throw, and values JSON drops are dropped
 * (in objects) or written as null (in arrays), as JSON.stringify does.
 */

interface Frame {
  container: unknown[] | Record<string, unknown>;
  /** null for an array frame; an object frame carries its sorted keys. */
  keys: string[] | null;
  /** The next child to write. */
  index: number;
  /** Whether no member has been written yet (comma placement). */
  first: boolean;
  /** toJSON wrappers to release from `seen` when the frame completes. */
  wrappers: object[] | null;
}

/** A UTF-16 code unit that is half of no pair (in `u` mode a proper pair is one code point, not Cs). */
const LONE_SURROGATE = /\p{Cs}/u;

function serializeString(value: string): string {
  if (LONE_SURROGATE.test(value)) throw new Error("Lone surrogate is not allowed");
  return JSON.stringify(value);
}

/** A primitive's JSON text, or undefined for what JSON.stringify drops. */
function serializePrimitive(value: unknown): string | undefined {
  switch (typeof value) {
    case "number":
      if (Number.isNaN(value)) throw new Error("NaN is not allowed");
      if (!Number.isFinite(value)) throw new Error("Infinity is not allowed");
      return JSON.stringify(value);
    case "string":
      return serializeString(value);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      throw new TypeError("BigInt value can't be serialized in JSON");
    default:
      // null, or undefined, functions and symbols (JSON.stringify maps them to undefined).
      return value === null ? "null" : undefined;
  }
}

const hasToJson = (v: unknown): v is { toJSON(): unknown } =>
  v !== null && typeof v === "object" && typeof (v as { toJSON?: unknown }).toJSON === "function";

/** A primitive's serialized form (a string, or undefined), or a frame for the container to descend into. */
function enterValue(input: unknown, seen: Set<object>): string | undefined | Frame {
  let value = input;
  let wrappers: object[] | null = null;
  while (hasToJson(value)) {
    if (seen.has(value)) throw new Error("Circular reference detected");
    seen.add(value);
    wrappers ??= [];
    wrappers.push(value);
    value = value.toJSON();
  }
  if (value instanceof Number || value instanceof String || value instanceof Boolean) value = value.valueOf();
  if (value === null || typeof value !== "object") {
    if (wrappers !== null) for (const w of wrappers) seen.delete(w);
    return serializePrimitive(value);
  }
  if (seen.has(value)) throw new Error("Circular reference detected");
  seen.add(value);
  const container = value as unknown[] | Record<string, unknown>;
  return {
    container,
    keys: Array.isArray(container) ? null : Object.keys(container).sort(),
    index: 0,
    first: true,
    wrappers,
  };
}

const dropped = (v: unknown): boolean => v === undefined || typeof v === "symbol" || typeof v === "function";

/** The RFC 8785 text of `object`, or undefined when JSON has no form for it (e.g. `undefined`). */
export function canonicalize(object: unknown): string | undefined {
  if (object === null || typeof object !== "object") return serializePrimitive(object);
  const seen = new Set<object>();
  const root = enterValue(object, seen);
  if (typeof root !== "object") return root;

  let result = root.keys === null ? "[" : "{";
  const stack: Frame[] = [root];
  outer: while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    if (frame.keys === null) {
      const items = frame.container as unknown[];
      while (frame.index < items.length) {
        const i = frame.index++;
        if (i > 0) result += ",";
        const element = items[i];
        const value = dropped(element) ? null : element;
        if (value === null || typeof value !== "object") {
          result += serializePrimitive(value);
          continue;
        }
        const child = enterValue(value, seen);
        if (typeof child !== "object") {
          result += child === undefined ? "null" : child;
          continue;
        }
        result += child.keys === null ? "[" : "{";
        stack.push(child);
        continue outer;
      }
      result += "]";
    } else {
      const members = frame.container as Record<string, unknown>;
      const keys = frame.keys;
      while (frame.index < keys.length) {
        const key = keys[frame.index++] as string;
        const value = members[key];
        if (dropped(value)) continue;
        if (value === null || typeof value !== "object") {
          if (frame.first) frame.first = false;
          else result += ",";
          result += `${serializeString(key)}:${serializePrimitive(value)}`;
          continue;
        }
        // Resolve the child before writing the key: a toJSON with no JSON form drops the member.
        const child = enterValue(value, seen);
        if (child === undefined) continue;
        if (frame.first) frame.first = false;
        else result += ",";
        result += `${serializeString(key)}:`;
        if (typeof child !== "object") {
          result += child;
          continue;
        }
        result += child.keys === null ? "[" : "{";
        stack.push(child);
        continue outer;
      }
      result += "}";
    }
    // The container leaves `seen`, so a later sibling reference to it is not taken for a cycle.
    seen.delete(frame.container);
    if (frame.wrappers !== null) for (const w of frame.wrappers) seen.delete(w);
    stack.pop();
  }
  return result;
}
