import { isLosslessNumber, type LosslessNumber, parse } from "lossless-json";
import type { JsonValue } from "../constraints/index.ts";

/**
 * Strict JSON as AAT -02 requires (§3.1, §8 steps 3b/4b/7b): duplicate member names are rejected,
 * and every number is checked *as written*. JSON.parse can do neither, so payloads go through
 * lossless-json, which keeps each number's text.
 */

/** A parsed value whose numbers keep their source text. */
export type LosslessValue = null | boolean | string | LosslessNumber | LosslessValue[] | LosslessObject;
export interface LosslessObject {
  [k: string]: LosslessValue;
}

export type StrictParse<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * Maximum nesting of a JSON value we agree to parse: deeper input is refused, not recursed into.
 * It must leave room for a constraint at MAX_CONSTRAINT_DEPTH (32): each `all`/`any` level costs two
 * JSON levels (object and `constraints` array) below the five of the claim envelope, so a depth-32
 * tree nests 68 deep and a depth-33 one 70. Deeper trees then reach step 3n/4o, which names them.
 */
export const MAX_JSON_NESTING = 128;

/** Parses JSON, refusing duplicate members; numbers stay as {@link LosslessNumber}. */
export function parseLossless(text: string): StrictParse<LosslessValue> {
  if (nestingExceeds(text, MAX_JSON_NESTING)) {
    return { ok: false, message: `JSON nesting deeper than ${MAX_JSON_NESTING}` };
  }
  try {
    const value = parse(text) as LosslessValue;
    // lossless-json refuses a repeated member only when the two values differ; AAT -02 (3b/4b/7b)
    // refuses every repeated member name, so the names are checked again here.
    const dup = duplicateMember(text);
    if (dup !== null) return { ok: false, message: `invalid JSON: duplicate member ${JSON.stringify(dup)}` };
    return { ok: true, value };
  } catch (e) {
    return { ok: false, message: `invalid JSON: ${(e as Error).message}` };
  }
}

/**
 * The first member name that repeats within one object of `text` (already known to be valid JSON),
 * or null. Names are compared after unescaping, so `"a"` and `"\u0061"` are the same member.
 */
function duplicateMember(text: string): string | null {
  const objects: (Set<string> | null)[] = []; // a Set per open object, null per open array
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
      const names = objects[objects.length - 1];
      if (expectName && names) {
        const name = JSON.parse(text.slice(i, j + 1)) as string;
        if (names.has(name)) return name;
        names.add(name);
        expectName = false;
      }
      i = j;
    } else if (c === 0x7b) {
      objects.push(new Set());
      expectName = true;
    } else if (c === 0x5b) {
      objects.push(null);
      expectName = false;
    } else if (c === 0x7d || c === 0x5d) {
      objects.pop();
      expectName = false;
    } else if (c === 0x2c) {
      expectName = objects[objects.length - 1] instanceof Set;
    }
  }
  return null;
}

/** Parses JSON strictly into plain values: duplicate members and inadmissible numbers are refused. */
export function parseStrictJson(text: string): StrictParse<JsonValue> {
  const parsed = parseLossless(text);
  if (!parsed.ok) return parsed;
  return toPlain(parsed.value, "$");
}

/** True when `raw` is a JSON integer literal: no fraction and no exponent. */
export function isIntegerLiteral(v: unknown): v is LosslessNumber {
  return isLosslessNumber(v) && /^-?(0|[1-9][0-9]*)$/.test((v as LosslessNumber).value);
}

/**
 * A number is admissible when the JCS (RFC 8785) form of its IEEE-754 double denotes the same
 * decimal number as the text it was parsed from (AAT -02 §3.4). So 2^53+1 is inadmissible
 * (it would silently become 2^53), 1.50 and 1e2 are admissible, 1e400 is not (not finite).
 */
export function isAdmissible(raw: string): boolean {
  const n = Number(raw);
  if (!Number.isFinite(n)) return false;
  const a = decimalKey(raw);
  const b = decimalKey(String(n)); // ECMAScript Number→String is JCS's number serialization
  return a !== null && a === b;
}

/** Normal form of a decimal literal: sign, significant digits and exponent, or null if unparsable. */
function decimalKey(text: string): string | null {
  const m = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/.exec(text);
  if (!m) return null;
  const sign = m[1] ?? "";
  const int = m[2] ?? "";
  const frac = m[3] ?? "";
  const exp = Number(m[4] ?? "0");
  let digits = int + frac;
  let e = exp - frac.length;
  const lead = digits.search(/[^0]/);
  if (lead === -1) return "0"; // zero, whatever its sign
  digits = digits.slice(lead);
  const trail = digits.length - digits.replace(/0+$/, "").length;
  digits = digits.slice(0, digits.length - trail);
  e += trail;
  return `${sign}${digits}e${e}`;
}

/** Converts a lossless tree to plain values, refusing inadmissible numbers. */
export function toPlain(v: LosslessValue, path: string): StrictParse<JsonValue> {
  if (v === null || typeof v === "boolean" || typeof v === "string") return { ok: true, value: v };
  if (isLosslessNumber(v)) {
    const raw = (v as LosslessNumber).value;
    if (!isAdmissible(raw)) return { ok: false, message: `number ${raw} at ${path} is not admissible` };
    return { ok: true, value: Number(raw) };
  }
  if (Array.isArray(v)) {
    const out: JsonValue[] = [];
    for (let i = 0; i < v.length; i++) {
      const r = toPlain(v[i] as LosslessValue, `${path}[${i}]`);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return { ok: true, value: out };
  }
  const entries: [string, JsonValue][] = [];
  for (const k of Object.keys(v)) {
    const r = toPlain((v as LosslessObject)[k] as LosslessValue, `${path}.${k}`);
    if (!r.ok) return r;
    entries.push([k, r.value]);
  }
  // Object.fromEntries defines own data properties, so a member named "__proto__" stays data.
  return { ok: true, value: Object.fromEntries(entries) };
}

/** Cheap pre-scan so that hostile nesting is refused before a recursive parser sees it. */
function nestingExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Checks that every number in a plain value is finite (for values that never were text). */
export function allNumbersFinite(v: unknown): boolean {
  if (typeof v === "number") return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(allNumbersFinite);
  if (v !== null && typeof v === "object") return Object.values(v).every(allNumbersFinite);
  return true;
}
