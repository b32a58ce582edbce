/**
 * Reads the claims the graph shows from a recorded token's payload. The registry only holds tokens
 * that were verified when they were recorded, so this is a lenient reader for display: a member of
 * the wrong JSON type is treated as absent instead of failing the whole graph.
 */

import type { ToolsMap } from "../constraints/index.ts";
import { isPlainObject } from "../constraints/json-value.ts";
import {
  AAT_DETAILS_TYPE,
  CLAIM_APPROVE,
  CLAIM_INTENT,
  CLAIM_MAX_USES,
  type Intent,
} from "../token/claims.ts";

/** The display claims of one token. */
export interface TokenClaims {
  tools: ToolsMap | null;
  approve: string[];
  maxUses?: number;
  aud?: string[];
  intent?: Intent;
  /** del_max_depth; the recorded depth when the payload lacks it. */
  maxDepth: number;
}

/** Reads display claims from a payload; `depth` stands in for a missing del_max_depth. */
export function readTokenClaims(payload: Record<string, unknown>, depth: number): TokenClaims {
  const out: TokenClaims = { tools: null, approve: [], maxDepth: depth };
  const details = payload.authorization_details;
  if (Array.isArray(details)) {
    for (const entry of details) {
      if (isPlainObject(entry) && entry.type === AAT_DETAILS_TYPE && isPlainObject(entry.tools)) {
        out.tools = entry.tools as ToolsMap;
      }
    }
  }
  const approve = payload[CLAIM_APPROVE];
  if (Array.isArray(approve)) out.approve = approve.filter((a): a is string => typeof a === "string");
  const maxUses = payload[CLAIM_MAX_USES];
  if (typeof maxUses === "number" && Number.isSafeInteger(maxUses)) out.maxUses = maxUses;
  const aud = payload.aud;
  if (typeof aud === "string") out.aud = [aud];
  else if (Array.isArray(aud)) out.aud = aud.filter((a): a is string => typeof a === "string");
  const intent = payload[CLAIM_INTENT];
  if (isPlainObject(intent) && typeof intent.id === "string") {
    out.intent = { id: intent.id, purpose: typeof intent.purpose === "string" ? intent.purpose : "" };
  }
  const maxDepth = payload.del_max_depth;
  if (typeof maxDepth === "number" && Number.isSafeInteger(maxDepth)) out.maxDepth = maxDepth;
  return out;
}
