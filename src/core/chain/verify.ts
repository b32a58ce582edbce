import { checkInvocation, type JsonValue } from "../constraints/index.ts";
import { escapeText, quote } from "../display.ts";
import { jcs, sha256b64u } from "../encoding.ts";
import { DECISION_CODES } from "../errors.ts";
import type { FastParse } from "../json/fast-strict.ts";
import { allNumbersFinite } from "../json/strict-json.ts";
import type { UsageCharge } from "../ports.ts";
import { CLAIM_LIMITS, integerMember, matchesPattern, readAudience, stringProblem } from "../token/claims.ts";
import { checkHeader, POP_TYP, parsePayload, splitCompact } from "../token/jws.ts";
import {
  type CallContext,
  DEFAULT_LIMITS,
  type Decision,
  type GateResult,
  type VerifyCall,
  type VerifyLimits,
  type VerifyOptions,
} from "./options.ts";
import type { VerifiedToken } from "./verified-token.ts";
import {
  checkChainTimes,
  type Failure,
  failure,
  VerifiedTokenCache,
  verifyChainStatic,
} from "./verify-chain.ts";

/**
 * The Baton verifier: AAT -02 §8 in full plus the Baton profile, as one decision.
 *
 * Holds a verified-token cache, so a chain seen before costs one PoP signature plus rule checks.
 * Configuration errors throw; every protocol failure is a {@link Decision} with `allow: false`.
 *
 * @example
 * const verifier = new Verifier({ trustAnchors, audience: "https://tools.example.com" });
 * const decision = await verifier.verify({ presentation, tool: "read_file", args, now: nowSeconds() });
 * if (!decision.allow) console.log(decision.code, decision.message);
 */
export class Verifier {
  readonly limits: VerifyLimits;
  private readonly cache = new VerifiedTokenCache();
  private readonly audiences: ReadonlySet<string>;

  constructor(readonly options: VerifyOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    for (const [k, v] of Object.entries(this.limits)) {
      if (!Number.isSafeInteger(v) || v < 0) throw new TypeError(`limit ${k} must be a non-negative integer`);
    }
    if (this.limits.maxDelegationDepth < 8)
      throw new TypeError("maxDelegationDepth must be at least 8 (AAT -02 §7.4)");
    const aud = typeof options.audience === "string" ? [options.audience] : [...options.audience];
    if (aud.length === 0 || aud.some((a) => typeof a !== "string" || a.length === 0)) {
      throw new TypeError("audience must name this enforcement point");
    }
    this.audiences = new Set(aud);
  }

  /** Verifies one tool call. Never throws for protocol failures; see {@link Decision}. */
  async verify(call: VerifyCall): Promise<Decision> {
    if (!Number.isSafeInteger(call.now)) throw new TypeError("now must be an integer number of seconds");
    try {
      return await this.run(call);
    } catch (e) {
      // A store or gate that throws must not turn into a permit: fail closed, name the cause.
      return {
        allow: false,
        code: "verification_unavailable",
        step: "B0",
        token: null,
        message: `verification could not complete: ${escapeText(String((e as Error)?.message ?? e), 200, false)}`,
        intent: null,
        holder: null,
      };
    }
  }

  private async run(call: VerifyCall): Promise<Decision> {
    const { tool, args, now } = call;
    const pres = readPresentation(call.presentation);
    if (!pres.ok) return deny(failure("malformed_presentation", "1", null, pres.message));
    if (typeof tool !== "string" || tool.length === 0 || tool.length > CLAIM_LIMITS.id) {
      return deny(
        failure(
          "tool_not_granted",
          "6b",
          null,
          `the invoked tool is not a non-empty string of at most ${CLAIM_LIMITS.id} characters`,
        ),
      );
    }
    if (args === null || typeof args !== "object" || Array.isArray(args) || !allNumbersFinite(args)) {
      return deny(failure("args_rejected", "6b", null, "the invocation arguments are not a JSON object"));
    }
    // Steps 1–5 (cached), then the time checks that never are.
    const chain = verifyChainStatic(pres.chain, this.options.trustAnchors, this.limits, this.cache);
    if (!chain.ok) return deny(chain);
    const tokens = chain.tokens;
    const leaf = tokens[tokens.length - 1] as VerifiedToken;
    const intent = tokens[0]?.claims.baton.intent?.id ?? null;
    const ctx = { intent, holder: leaf.claims.holder.id };
    // Until the PoP signature verifies, anyone holding a copy of the chain could be calling: such a
    // denial names no holder, so it is never attributed to the leaf's agent (findings, usage).
    const unproven = { intent, holder: null };
    const timeFail = checkChainTimes(tokens, now, this.limits);
    if (timeFail) return deny(timeFail, unproven);

    // 7a/7b before 6b, as §8 advises: a non-holder cannot make us evaluate constraints.
    const popSplit = splitCompact(pres.pop);
    if (!popSplit.ok)
      return deny(failure("malformed_token", "7a", null, `the PoP ${popSplit.message}`), unproven);
    const pop = popSplit.parts;
    if (pop.compact.length > this.limits.maxTokenSize) {
      return deny(failure("token_too_large", "2a", null, "the PoP exceeds MAX_TOKEN_SIZE"), unproven);
    }
    const popHeader = checkHeader(pop.header, POP_TYP, pop.headerNonInteger);
    if (!popHeader.ok)
      return deny(failure(popHeader.code, "7a", null, `the PoP: ${popHeader.message}`), unproven);
    if (!leaf.claims.holder.verify(pop.signingInput, pop.signature)) {
      return deny(
        failure(
          "bad_signature",
          "7b",
          null,
          `the PoP is not signed by the holder of token ${leaf.index} (I6)`,
        ),
        unproven,
      );
    }
    const popPayload = parsePayload(pop);
    if (!popPayload.ok)
      return deny(failure("malformed_claims", "7b", null, `the PoP: ${popPayload.message}`), ctx);

    // 6a–6c.
    if (leaf.claims.aatEntries !== 1 || leaf.claims.tools === null) {
      return deny(
        failure(
          "invalid_authorization_details",
          "6a",
          leaf.index,
          `token ${leaf.index} (leaf) holds no attenuating_agent_token entry`,
        ),
        ctx,
      );
    }
    const inv = checkInvocation(leaf.claims.tools, tool, args);
    if (inv)
      return deny(failure(inv.code, "6b", leaf.index, `token ${leaf.index} (leaf): ${inv.message}`), ctx);
    let anyAud = false;
    for (const t of tokens) {
      if (!t.claims.aud) continue;
      anyAud = true;
      if (!t.claims.aud.some((a) => this.audiences.has(a))) {
        return deny(
          failure(
            "audience_mismatch",
            "6c",
            t.index,
            `token ${t.index} is for ${showList(t.claims.aud)}, not this enforcement point`,
          ),
          ctx,
        );
      }
    }
    if (this.options.policy?.requireChainAud && !anyAud) {
      return deny(
        failure(
          "audience_mismatch",
          "6c",
          null,
          "this enforcement point requires a chain audience, and no token carries aud",
        ),
        ctx,
      );
    }

    // 7c–7h.
    const popClaims = readPopClaims(popPayload.parsed);
    if (!popClaims.ok)
      return deny(failure("malformed_claims", "7c", null, `the PoP: ${popClaims.message}`), ctx);
    const pc = popClaims.claims;
    if (pc.aatId !== leaf.claims.jti || pc.aatHash !== leaf.hash) {
      return deny(
        failure(
          "pop_mismatch",
          "7c",
          null,
          `the PoP is bound to token ${pc.aatId === leaf.claims.jti ? "with another signing input" : quote(pc.aatId, 40)}, not the presented leaf`,
        ),
        ctx,
      );
    }
    if (pc.aatAud !== undefined) {
      if (!pc.aatAud.some((a) => this.audiences.has(a))) {
        return deny(
          failure(
            "audience_mismatch",
            "7d",
            null,
            `the PoP is addressed to ${showList(pc.aatAud)}, not this enforcement point`,
          ),
          ctx,
        );
      }
    } else if (this.options.policy?.requirePopAud ?? !anyAud) {
      // Audience binding is on by default whenever the chain names no aud: otherwise a presentation
      // made for one enforcement point is accepted by every other that trusts the same anchor.
      return deny(
        failure(
          "audience_mismatch",
          "7d",
          null,
          anyAud || this.options.policy?.requirePopAud
            ? "this enforcement point requires aat_aud in the PoP; prove again with aud set to it"
            : "the chain names no aud, so the PoP must carry aat_aud naming this enforcement point; prove again with aud set",
        ),
        ctx,
      );
    }
    if (pc.aatTool !== tool) {
      return deny(
        failure("tool_mismatch", "7e", null, `the PoP is for tool ${quote(pc.aatTool)}, not ${quote(tool)}`),
        ctx,
      );
    }
    if (jcs(pc.hta) !== jcs(args)) {
      return deny(
        failure(
          "args_mismatch",
          "7f",
          null,
          `the PoP's hta differs from the arguments of this call to ${quote(tool)}`,
        ),
        ctx,
      );
    }
    if (Math.abs(now - pc.iat) > this.limits.popWindow) {
      return deny(
        failure(
          "pop_stale",
          "7g",
          null,
          `the PoP was made at ${pc.iat}, outside ±${this.limits.popWindow} s of now (${now}); prove again`,
        ),
        ctx,
      );
    }
    const nonces = this.options.policy?.nonces;
    if (nonces) {
      if (pc.nonce === undefined || !(await nonces.accepts(pc.nonce))) {
        return deny(
          failure(
            "nonce_invalid",
            "7h",
            null,
            pc.nonce === undefined
              ? "this enforcement point requires a nonce in the PoP"
              : "the PoP's nonce was not issued here or is no longer accepted",
          ),
          ctx,
        );
      }
    }

    // Baton profile: revocation, intent, approvals, request policy.
    const revocation = this.options.revocation;
    if (revocation) {
      const fresh = revocation.freshness?.();
      if (fresh?.stale) {
        return deny(
          failure(
            "revocation_state_stale",
            "B5",
            null,
            `revocation state is ${fresh.ageMs} ms old; refusing until it is fresh`,
          ),
          ctx,
        );
      }
      const hit = await revocation.check({
        tokens: tokens.map((t) => ({
          index: t.index,
          jti: t.claims.jti,
          hash: `sha256:${t.hash}`,
          issuer: t.issuer,
          holder: t.claims.holder.id,
          ...(t.anchorKeyId !== undefined ? { signer: t.anchorKeyId } : {}),
        })),
        ...(intent !== null ? { intent } : {}),
      });
      if (hit) {
        return deny(
          failure(
            "revoked",
            "B5",
            hit.index,
            `token ${hit.index} is revoked: ${hit.target.kind} ${quote(hit.target.id, 96)} was revoked${hit.reason ? ` (${escapeText(hit.reason, 200)})` : ""}`,
          ),
          ctx,
        );
      }
    }
    if (this.options.policy?.requireIntent && intent === null) {
      return deny(
        failure(
          "intent_required",
          "B2",
          0,
          "this enforcement point only accepts intent-bound (Baton profile) chains",
        ),
        ctx,
      );
    }
    const popHash = sha256b64u(pop.compact);
    const patterns = [
      ...new Set(
        tokens.flatMap((t) => (t.claims.baton.approve ?? []).filter((p) => matchesPattern(p, tool))),
      ),
    ];
    const callCtx: CallContext = {
      tool,
      args,
      tokens,
      popHash,
      popJti: pc.jti,
      approvalPatterns: patterns,
      now,
      ...(intent !== null ? { intent } : {}),
      ...(call.approval !== undefined ? { approval: call.approval } : {}),
    };
    if (this.options.rules) {
      const r = await this.options.rules.evaluate(callCtx);
      if (r)
        return deny(
          failure(r.code, r.step ?? "B7", null, escapeText(r.message, 512, false)),
          ctx,
          r.code === "approval_required" ? { pop_hash: popHash } : undefined,
        );
    }
    if (patterns.length > 0) {
      const gate = this.options.approvals;
      const r = gate
        ? await gate.check(callCtx, call.approval)
        : ({
            code: "approval_required",
            message: `tool ${quote(tool)} requires step-up approval (pattern ${showList(patterns)})`,
          } as GateResult);
      if (r)
        return deny(failure(r.code, r.step ?? "B6", null, escapeText(r.message, 512, false)), ctx, {
          pop_hash: popHash,
        });
    }

    // 7i and usage limits, atomically, only now that everything else permits.
    const ledger = this.options.ledger;
    if (ledger) {
      const tracked = this.options.policy?.trackReplay ? this.options.policy.trackReplay(tool) : true;
      const usage: UsageCharge[] = tokens
        .filter((t) => t.claims.baton.maxUses !== undefined)
        .map((t) => ({ index: t.index, key: `sha256:${t.hash}`, limit: t.claims.baton.maxUses as number }));
      const r = await ledger.commit({
        ...(tracked
          ? {
              replay: {
                key: `${leaf.claims.holder.id} ${pc.jti}`,
                expiresAt: pc.iat + this.limits.popWindow + this.limits.maxIatSkew + 1,
              },
            }
          : {}),
        usage,
      });
      if (!r.ok) {
        if (r.code === "replayed")
          return deny(
            failure("replayed", "7i", null, `the PoP jti ${quote(pc.jti, 40)} was already used`),
            ctx,
          );
        return deny(
          failure(
            "usage_exceeded",
            "B8",
            r.index,
            `token ${r.index} allows ${r.limit} call(s) and all are used`,
          ),
          ctx,
        );
      }
    } else if (usageLimited(tokens)) {
      return deny(
        failure(
          "usage_exceeded",
          "B8",
          null,
          "the chain carries usage limits but this verifier has no ledger to count them",
        ),
        ctx,
      );
    }
    return {
      allow: true,
      code: "permitted",
      step: "8",
      token: null,
      message: `permitted: ${quote(tool)} under a ${tokens.length}-token chain${intent ? ` for intent ${quote(intent)}` : ""}`,
      intent,
      holder: leaf.claims.holder.id,
    };
  }
}

/** A few outside strings for a message: quoted, escaped, at most four shown. */
function showList(xs: readonly string[]): string {
  const shown = xs.slice(0, 4).map((x) => quote(x));
  return xs.length > 4 ? `${shown.join(", ")} and ${xs.length - 4} more` : shown.join(", ");
}

function usageLimited(tokens: readonly VerifiedToken[]): boolean {
  return tokens.some((t) => t.claims.baton.maxUses !== undefined);
}

function deny(
  f: Failure,
  ctx?: { intent: string | null; holder: string | null },
  detail?: Record<string, JsonValue>,
): Decision {
  const d: Decision = {
    allow: false,
    code: f.code,
    step: f.step,
    token: f.token,
    message: f.message || DECISION_CODES[f.code],
    intent: ctx?.intent ?? null,
    holder: ctx?.holder ?? null,
  };
  if (detail) d.detail = detail;
  return d;
}

/** The presentation object of §7.4: unknown members are ignored. */
export function readPresentation(
  p: unknown,
): { ok: true; chain: string[]; pop: string } | { ok: false; message: string } {
  if (p === null || typeof p !== "object" || Array.isArray(p))
    return { ok: false, message: "the presentation is not a JSON object" };
  const o = p as Record<string, unknown>;
  const chain = o.aat_chain;
  const pop = o.aat_pop;
  if (!Array.isArray(chain) || !chain.every((t) => typeof t === "string")) {
    return { ok: false, message: "aat_chain is not an array of compact JWS strings" };
  }
  if (typeof pop !== "string") return { ok: false, message: "aat_pop is not a compact JWS string" };
  return { ok: true, chain: chain as string[], pop };
}

interface PopClaims {
  jti: string;
  iat: number;
  aatId: string;
  aatHash: string;
  aatTool: string;
  aatAud?: string[];
  nonce?: string;
  hta: JsonValue;
}

function readPopClaims(parsed: FastParse): { ok: true; claims: PopClaims } | { ok: false; message: string } {
  const o = parsed.value;
  if (o === null || typeof o !== "object" || Array.isArray(o))
    return { ok: false, message: "the payload is not an object" };
  for (const k of ["jti", "aat_id", "aat_hash", "aat_tool"] as const) {
    const why = stringProblem(k, o[k], CLAIM_LIMITS.id);
    if (why !== null) return { ok: false, message: why };
  }
  const iat = integerMember(parsed, "iat");
  if (iat === null) return { ok: false, message: "iat is not an integer NumericDate" };
  const hta = o.hta;
  if (hta === null || typeof hta !== "object" || Array.isArray(hta))
    return { ok: false, message: "hta is not an object" };
  const bad = parsed.inadmissible.find((path) => path[0] === "hta");
  if (bad) return { ok: false, message: `the number at ${bad.join(".")} is not admissible as written` };
  const claims: PopClaims = {
    jti: o.jti as string,
    iat,
    aatId: o.aat_id as string,
    aatHash: o.aat_hash as string,
    aatTool: o.aat_tool as string,
    hta,
  };
  if (Object.hasOwn(o, "aat_aud")) {
    const a = readAudience("aat_aud", o.aat_aud);
    if (typeof a === "string") return { ok: false, message: a };
    claims.aatAud = a;
  }
  if (Object.hasOwn(o, "nonce")) {
    if (typeof o.nonce !== "string" || o.nonce.length > CLAIM_LIMITS.id)
      return { ok: false, message: `nonce is not a string of at most ${CLAIM_LIMITS.id} characters` };
    claims.nonce = o.nonce;
  }
  return { ok: true, claims };
}
