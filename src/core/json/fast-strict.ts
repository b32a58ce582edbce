import type { JsonValue } from "../constraints/index.ts";
import { isAdmissible, MAX_JSON_NESTING } from "./strict-json.ts";

/**
 * A single-pass strict JSON parser for the verify hot path. Same rules as `strict-json.ts`
 * (RFC 8259 grammar, duplicate members refused, nesting bounded) but it builds plain values
 * directly and records, instead of a number object per number:
 * - which top-level members hold a number literal with a fraction or exponent (integer claims such
 *   as `iat` must be written as integers, AAT -02 §3.2);
 * - the paths of numbers that are not admissible as written (§3.4), so the caller decides: fatal
 *   inside constraints and arguments, ignored in unknown claims.
 */
export interface FastParse {
  value: JsonValue;
  /** Top-level members whose value is a number written with a fraction or an exponent. */
  nonIntegerTop: Set<string>;
  /** Paths (member names and indexes from the root) of numbers that are not admissible. */
  inadmissible: (string | number)[][];
}

export type FastResult = { ok: true; parsed: FastParse } | { ok: false; message: string };

class ParseError extends Error {}

/** Parses `text` strictly. Never throws. */
export function parseFast(text: string): FastResult {
  const p = new Parser(text);
  try {
    p.ws();
    const value = p.value(0, []);
    p.ws();
    if (p.i !== text.length) p.fail("unexpected data after the JSON value");
    return { ok: true, parsed: { value, nonIntegerTop: p.nonIntegerTop, inadmissible: p.inadmissible } };
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, message: `invalid JSON: ${e.message}` };
    throw e;
  }
}

const INT_FAST = /^-?(?:0|[1-9][0-9]{0,14})$/; // ≤ 15 digits: always exact as a double

class Parser {
  i = 0;
  nonIntegerTop = new Set<string>();
  inadmissible: (string | number)[][] = [];
  constructor(readonly s: string) {}

  fail(msg: string): never {
    throw new ParseError(`${msg} at position ${this.i}`);
  }

  ws(): void {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    this.i = i;
  }

  value(depth: number, path: (string | number)[]): JsonValue {
    const c = this.s.charCodeAt(this.i);
    if (c === 0x7b) return this.object(depth + 1, path);
    if (c === 0x5b) return this.array(depth + 1, path);
    if (c === 0x22) return this.string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number(path);
    if (this.s.startsWith("true", this.i)) {
      this.i += 4;
      return true;
    }
    if (this.s.startsWith("false", this.i)) {
      this.i += 5;
      return false;
    }
    if (this.s.startsWith("null", this.i)) {
      this.i += 4;
      return null;
    }
    return this.fail("unexpected character");
  }

  object(depth: number, path: (string | number)[]): JsonValue {
    if (depth > MAX_JSON_NESTING) this.fail(`nesting deeper than ${MAX_JSON_NESTING}`);
    this.i++;
    const out: Record<string, JsonValue> = {};
    this.ws();
    if (this.s.charCodeAt(this.i) === 0x7d) {
      this.i++;
      return out;
    }
    for (;;) {
      if (this.s.charCodeAt(this.i) !== 0x22) this.fail("expected a member name");
      const key = this.string();
      if (Object.hasOwn(out, key)) this.fail(`duplicate member "${key}"`);
      this.ws();
      if (this.s.charCodeAt(this.i) !== 0x3a) this.fail("expected ':'");
      this.i++;
      this.ws();
      const start = this.i;
      const v = this.value(depth, depth === 1 ? [key] : [...path, key]);
      if (depth === 1 && typeof v === "number" && !INT_FAST.test(this.s.slice(start, this.i))) {
        if (/[.eE]/.test(this.s.slice(start, this.i))) this.nonIntegerTop.add(key);
      }
      // defineProperty keeps "__proto__" an own data member instead of a prototype change.
      if (key === "__proto__")
        Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
      this.ws();
      const c = this.s.charCodeAt(this.i);
      if (c === 0x2c) {
        this.i++;
        this.ws();
        continue;
      }
      if (c === 0x7d) {
        this.i++;
        return out;
      }
      this.fail("expected ',' or '}'");
    }
  }

  array(depth: number, path: (string | number)[]): JsonValue {
    if (depth > MAX_JSON_NESTING) this.fail(`nesting deeper than ${MAX_JSON_NESTING}`);
    this.i++;
    const out: JsonValue[] = [];
    this.ws();
    if (this.s.charCodeAt(this.i) === 0x5d) {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth, [...path, out.length]));
      this.ws();
      const c = this.s.charCodeAt(this.i);
      if (c === 0x2c) {
        this.i++;
        this.ws();
        continue;
      }
      if (c === 0x5d) {
        this.i++;
        return out;
      }
      this.fail("expected ',' or ']'");
    }
  }

  string(): string {
    const s = this.s;
    let i = this.i + 1;
    const start = i;
    // Fast path: no escapes.
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        this.i = i + 1;
        return s.slice(start, i);
      }
      if (c === 0x5c) break;
      if (c < 0x20 || Number.isNaN(c)) {
        this.i = i;
        this.fail("unterminated string or control character in string");
      }
      i++;
    }
    // Slow path: let JSON.parse decode the escapes of exactly this string literal.
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) i++;
      else if (c < 0x20 || Number.isNaN(c)) {
        this.i = i;
        this.fail("unterminated string or control character in string");
      }
      i++;
    }
    const literal = s.slice(this.i, i + 1);
    this.i = i + 1;
    try {
      return JSON.parse(literal) as string;
    } catch {
      return this.fail("invalid escape in string");
    }
  }

  number(path: (string | number)[]): number {
    const m = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
    m.lastIndex = this.i;
    const r = m.exec(this.s);
    if (!r) this.fail("invalid number");
    const raw = r[0];
    this.i += raw.length;
    if (!INT_FAST.test(raw) && !isAdmissible(raw)) {
      this.inadmissible.push(path);
      return Number.NaN; // never used: the caller refuses or ignores the path
    }
    return Number(raw);
  }
}

/** True when `path` starts with `prefix`. */
export function pathStartsWith(
  path: readonly (string | number)[],
  prefix: readonly (string | number)[],
): boolean {
  return prefix.every((p, i) => path[i] === p);
}
