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

/** Maximum nesting of a JSON value we agree to parse: deeper input is refused, not recursed into. */
export const MAX_JSON_NESTING = 64;

/** Parses JSON, refusing duplicate members; numbers stay as {@link LosslessNumber}. */
export function parseLossless(text: string): StrictParse<LosslessValue> {
  if (nestingExceeds(text, MAX_JSON_NESTING)) {
    return { ok: false, message: `JSON nesting deeper than ${MAX_JSON_NESTING}` };
  }
  try {
    return { ok: true, value: parse(text) as LosslessValue };
  } catch (e) {
    return { ok: false, message: `invalid JSON: ${(e as Error).message}` };
  }
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
