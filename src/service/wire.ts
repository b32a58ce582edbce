/**
 * Facade values as the HTTP API spells them (snake_case, explicit nulls). Response schemas then
 * drop anything these do not name.
 */
import type { Decision } from "../core/decision/decision.ts";
import { decisionToJSON } from "../core/decision/json.ts";
import type { AgentToken, AgentView, RevocationRecord, TokenSummary } from "../trust/index.ts";

/** The decision's one JSON form (`decisionToJSON`). */
export function decisionWire(d: Decision) {
  return decisionToJSON(d);
}

export function revocationWire(r: RevocationRecord) {
  return {
    seq: r.seq,
    target: { kind: r.target.kind, id: r.target.id },
    reason: r.reason ?? null,
    actor: r.actor ?? null,
    request_jti: r.requestJti ?? null,
    token_exp: r.tokenExp ?? null,
    revoked_at: r.revokedAt,
  };
}

export function tokenSummaryWire(t: TokenSummary) {
  return {
    jti: t.jti,
    hash: t.hash,
    issuer: t.issuer,
    holder: t.holder,
    intent: t.intent ?? null,
    depth: t.depth,
    created: t.created,
  };
}

function agentTokenWire(t: AgentToken) {
  return { ...t, intent: t.intent ?? null };
}

export function agentWire(a: AgentView) {
  return {
    id: a.id,
    name: a.name,
    revoked: a.revoked ? revocationWire(a.revoked) : null,
    issued: a.issued.map(agentTokenWire),
    held: a.held.map(agentTokenWire),
  };
}
