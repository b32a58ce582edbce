/**
 * The verdict of a verification, as data: one stable code (`specs/errors.md`), the §8 or profile
 * step that decided, the failing token, a message a person reads, and — for the rules that can say
 * what exactly failed — the evidence as fields, so the CLI, the API and the audit can show it
 * without parsing the sentence.
 *
 * Build decisions with {@link permit} and {@link deny}; read one from the wire with
 * `decisionFromJSON` (`./json.ts`).
 */
import type { JsonValue } from "../constraints/types.ts";
import { escapeText } from "../display.ts";
import { DECISION_CODES, type DecisionCode } from "../errors.ts";

/** Longest tool id or argument name an evidence field keeps (App. B.5's 256-byte tool ids). */
export const MAX_EVIDENCE_NAME = 256;

/**
 * What exactly failed, for the rules that can name it. Names come from tokens or the call, so they
 * are bounded here; a renderer still escapes them when it prints.
 */
export type Evidence =
  /** 4p1–4p4: a child widened `tool` (and `arg`, when one argument's rule failed). */
  | { kind: "narrowing"; step: "4p1" | "4p2" | "4p3" | "4p4"; tool: string; arg?: string }
  /** B4: a child's usage limit `requested` is above `ceiling`, the nearest ancestor's. */
  | { kind: "usage_limit"; ceiling: number; requested: number }
  /** 6b: the call's `tool` (and `arg`) was refused by the leaf's constraint map. */
  | { kind: "arguments"; tool: string; arg?: string };

/** The verdict, as data. */
export interface Decision {
  allow: boolean;
  code: DecisionCode;
  /** The AAT -02 §8 step (or Baton profile step `B…`) that decided; advisory. */
  step: string | null;
  /** Index of the failing token (0 = root), or null when the PoP or the call itself failed. */
  token: number | null;
  message: string;
  /** The chain's Baton intent id, when it verified that far. */
  intent: string | null;
  /**
   * Agent id of the leaf holder when that agent provably made this call: its PoP verified under the
   * holder's key and is bound to this call (7c–7g, nonce 7h). Null otherwise — before that point, for
   * a PoP made for another call, and for `replayed` (see specs/protocol.md, "Attribution").
   */
  holder: string | null;
  /** Extra machine-readable detail (e.g. the PoP hash an approval must bind to). */
  detail?: Record<string, JsonValue>;
  /** What exactly failed, when the rule can say (see {@link Evidence}). */
  evidence?: Evidence;
}

/** Who the chain was for, once it verified that far. */
export interface DecisionContext {
  intent: string | null;
  holder: string | null;
}

/** The members of a denial; everything but `code` is optional. */
export interface DenialInit {
  code: Exclude<DecisionCode, "permitted">;
  step?: string | null;
  token?: number | null;
  /** Defaults to the code's catalogue sentence. */
  message?: string;
  detail?: Record<string, JsonValue>;
  evidence?: Evidence;
}

/**
 * A denial. The message defaults to the catalogue's sentence for the code.
 *
 * @example
 * deny({ code: "malformed_presentation", step: "1", message: "aat_pop is not a compact JWS string" })
 */
export function deny(init: DenialInit, ctx?: DecisionContext): Decision {
  const d: Decision = {
    allow: false,
    code: init.code,
    step: init.step ?? null,
    token: init.token ?? null,
    message: init.message || DECISION_CODES[init.code],
    intent: ctx?.intent ?? null,
    holder: ctx?.holder ?? null,
  };
  if (init.detail !== undefined) d.detail = init.detail;
  if (init.evidence !== undefined) d.evidence = boundEvidence(init.evidence);
  return d;
}

/** A permit at step 8. */
export function permit(message: string, ctx: DecisionContext): Decision {
  return { allow: true, code: "permitted", step: "8", token: null, message, ...ctx };
}

/**
 * The fail-closed denial for state that could not answer (B0): a store, gate or policy threw. The
 * cause's text is escaped and cut, since it may quote outside input.
 */
export function unavailable(cause: unknown, ctx?: DecisionContext): Decision {
  const text = cause instanceof Error ? cause.message : String(cause);
  return deny(
    {
      code: "verification_unavailable",
      step: "B0",
      message: `verification could not complete: ${escapeText(text, 200, false)}`,
    },
    ctx,
  );
}

function cut(name: string): string {
  return name.length > MAX_EVIDENCE_NAME ? name.slice(0, MAX_EVIDENCE_NAME) : name;
}

function boundEvidence(e: Evidence): Evidence {
  if (e.kind === "usage_limit") return e;
  const out = { ...e, tool: cut(e.tool) };
  if (e.arg !== undefined) out.arg = cut(e.arg);
  return out;
}
