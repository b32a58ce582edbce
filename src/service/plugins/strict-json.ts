/**
 * Replaces fastify's JSON body parser with the core's strict parser: duplicate members,
 * inadmissible numbers (e.g. 2^53+1, 1e400) and the keys `__proto__`, `constructor` and
 * `prototype` anywhere are refused with a 400 `malformed_json` problem. Other media types are
 * refused with 415 (no other parser is registered).
 *
 * The parser is the core's single-pass one (`parseFast`), the verify path's own: the same rules
 * as `parseStrictJson` (RFC 8259 grammar, duplicates refused, nesting bounded, numbers admissible
 * as written) at a third of the cost, and it never lets `__proto__` touch a prototype.
 */
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { JsonValue } from "../../core/constraints/index.ts";
import { parseFast } from "../../core/json/fast-strict.ts";
import { ProblemError } from "../problems.ts";

const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** The path of the first forbidden key in a parsed value, or null. */
export function findForbiddenKey(value: JsonValue, path = "$"): string | null {
  if (value === null || typeof value !== "object") return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findForbiddenKey(value[i] as JsonValue, `${path}[${i}]`);
      if (hit) return hit;
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return `${path}.${key}`;
    const hit = findForbiddenKey(value[key] as JsonValue, `${path}.${key}`);
    if (hit) return hit;
  }
  return null;
}

/** Parses a request body strictly; throws a `malformed_json` problem. */
export function parseStrictBody(text: string): JsonValue {
  const r = parseFast(text);
  if (!r.ok) throw new ProblemError("malformed_json", `the body is not strict JSON: ${r.message}`);
  const bad = r.parsed.inadmissible[0];
  if (bad) {
    throw new ProblemError(
      "malformed_json",
      `the body is not strict JSON: the number at $${bad.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("")} is not admissible as written (AAT -02 §3.4)`,
    );
  }
  const forbidden = findForbiddenKey(r.parsed.value);
  if (forbidden)
    throw new ProblemError("malformed_json", `the body uses the forbidden member name at ${forbidden}`);
  return r.parsed.value;
}

async function strictJson(app: FastifyInstance): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    try {
      done(null, parseStrictBody(body as string));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
}

export const strictJsonPlugin = fp(strictJson, { name: "baton-strict-json", fastify: "5.x" });
