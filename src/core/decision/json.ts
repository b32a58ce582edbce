/**
 * The one JSON form of a {@link Decision}: what `POST /v1/verify`, `baton verify --json`, the
 * MCP adapter and the SDK's HTTP client send and read. `decisionSchema` is the zod schema (the
 * service's OpenAPI is generated from it), `decisionToJSON` writes the members in the contract's
 * order with explicit nulls, and `decisionFromJSON` parses untrusted input, failing closed.
 */
import { z } from "zod";
import type { JsonValue } from "../constraints/types.ts";
import { DECISION_CODES, type DecisionCode } from "../errors.ts";
import { type Decision, type Evidence, MAX_EVIDENCE_NAME } from "./decision.ts";

const codes = Object.keys(DECISION_CODES) as [DecisionCode, ...DecisionCode[]];
const name = z.string().max(MAX_EVIDENCE_NAME);

/** The evidence of a denial (see `Evidence`). */
export const evidenceSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("narrowing"),
    step: z.enum(["4p1", "4p2", "4p3", "4p4"]),
    tool: name,
    arg: name.optional(),
  }),
  z.strictObject({ kind: z.literal("usage_limit"), ceiling: z.int().min(1), requested: z.int().min(1) }),
  z.strictObject({ kind: z.literal("arguments"), tool: name, arg: name.optional() }),
]);

/** A decision on the wire. `allow` is true exactly when `code` is `permitted`. */
export const decisionSchema = z
  .object({
    allow: z.boolean(),
    code: z.enum(codes).describe("A decision code of specs/errors.md"),
    step: z
      .string()
      .max(16)
      .nullable()
      .describe("The AAT -02 §8 step (or Baton profile step B…) that decided"),
    token: z.int().min(0).nullable().describe("Index of the failing token (0 = root), or null"),
    message: z.string().max(4096),
    intent: z.string().nullable(),
    holder: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()).optional(),
    evidence: evidenceSchema.optional().describe("What exactly failed, for the rules that can say"),
  })
  .refine((d) => d.allow === (d.code === "permitted"), {
    message: "allow must be true exactly for permitted",
  });

/** A decision as its JSON form holds it. */
export type DecisionJSON = z.infer<typeof decisionSchema>;

/** The decision with exactly the contract's members, in the contract's order. */
export function decisionToJSON(d: Decision): DecisionJSON {
  const o: DecisionJSON = {
    allow: d.allow,
    code: d.code,
    step: d.step,
    token: d.token,
    message: d.message,
    intent: d.intent,
    holder: d.holder,
  };
  if (d.detail !== undefined) o.detail = d.detail;
  if (d.evidence !== undefined) o.evidence = { ...d.evidence };
  return o;
}

/** Parses a decision from untrusted JSON; unknown members are dropped. */
export function decisionFromJSON(
  v: unknown,
): { ok: true; decision: Decision } | { ok: false; message: string } {
  const r = decisionSchema.safeParse(v);
  if (!r.success) {
    const issue = r.error.issues[0];
    return {
      ok: false,
      message: `not a decision: ${issue ? `${issue.path.join(".") || "body"}: ${issue.message}` : "invalid"}`,
    };
  }
  const b = r.data;
  const d: Decision = {
    allow: b.allow,
    code: b.code,
    step: b.step,
    token: b.token,
    message: b.message,
    intent: b.intent,
    holder: b.holder,
  };
  if (b.detail !== undefined) d.detail = b.detail as Record<string, JsonValue>;
  if (b.evidence !== undefined) d.evidence = stripUndefined(b.evidence as Evidence);
  return { ok: true, decision: d };
}

function stripUndefined(e: Evidence): Evidence {
  return Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as Evidence;
}
