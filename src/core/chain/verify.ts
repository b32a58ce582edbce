import type { JsonValue } from "../constraints/index.ts";
import { type Decision, type DecisionContext, permit, unavailable } from "../decision/decision.ts";
import { quote } from "../display.ts";
import { sha256b64u } from "../encoding.ts";
import { commitPermit } from "./commit.ts";
import { denial, type Failure } from "./failure.ts";
import { checkChainAudience, checkLeafGrant } from "./leaf.ts";
import {
  type CallContext,
  DEFAULT_LIMITS,
  type VerifyCall,
  type VerifyLimits,
  type VerifyOptions,
} from "./options.ts";
import { checkNonce, checkPopBinding, type PopBinding, verifyPopSignature } from "./pop.ts";
import { checkCallShape, readPresentation } from "./presentation.ts";
import {
  checkIntentRequired,
  checkPolicyAndApproval,
  checkRevocation,
  matchingPatterns,
} from "./profile-gates.ts";
import type { VerifiedToken } from "./verified-token.ts";
import { checkChainTimes, VerifiedTokenCache, verifyChainStatic } from "./verify-chain.ts";

export { readPresentation } from "./presentation.ts";

/**
 * What one verification established: the decision, and — once steps 1–5 passed — the chain's
 * verified tokens, so a caller (the trust facade) can record or describe them without decoding the
 * presentation again. `tokens` is null when the chain itself did not verify.
 */
export interface Verification {
  decision: Decision;
  tokens: readonly VerifiedToken[] | null;
}

/**
 * The Baton verifier: AAT -02 §8 in full plus the Baton profile, as one decision.
 *
 * Holds a verified-token cache, so a chain seen before costs one PoP signature plus rule checks.
 * Configuration errors throw; every protocol failure is a {@link Decision} with `allow: false`.
 * The stages, in order: the call's shape and step 1 (`presentation.ts`), steps 2–5 (`verify-chain.ts`,
 * cached) and the time checks, 7a/7b before 6b as §8 advises (`pop.ts`), 6a–6c (`leaf.ts`), 7c–7h
 * (`pop.ts`), the profile gates B5, B2, B7, B6 (`profile-gates.ts`), and the ledger commit of 7i and
 * B8 (`commit.ts`).
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
    return (await this.verifyCall(call)).decision;
  }

  /** Verifies one tool call and hands back what it verified (see {@link Verification}). */
  async verifyCall(call: VerifyCall): Promise<Verification> {
    if (!Number.isSafeInteger(call.now)) throw new TypeError("now must be an integer number of seconds");
    const seen: { tokens: readonly VerifiedToken[] | null } = { tokens: null };
    try {
      return { decision: await this.run(call, seen), tokens: seen.tokens };
    } catch (e) {
      // A store or gate that throws must not turn into a permit: fail closed, name the cause.
      return { decision: unavailable(e), tokens: seen.tokens };
    }
  }

  private async run(call: VerifyCall, seen: { tokens: readonly VerifiedToken[] | null }): Promise<Decision> {
    const { tool, args, now } = call;
    const pres = readPresentation(call.presentation);
    if (!pres.ok)
      return denial({
        ok: false,
        code: "malformed_presentation",
        step: "1",
        token: null,
        message: pres.message,
      });
    const shape = checkCallShape(tool, args);
    if (shape) return denial(shape);

    // Steps 1–5 (cached), then the time checks that never are.
    const chain = verifyChainStatic(pres.chain, this.options.trustAnchors, this.limits, this.cache);
    if (!chain.ok) return denial(chain);
    const tokens = chain.tokens;
    seen.tokens = tokens;
    const leaf = tokens[tokens.length - 1] as VerifiedToken;
    const intent = tokens[0]?.claims.baton.intent?.id ?? null;
    const ctx: DecisionContext = { intent, holder: leaf.claims.holder.id };
    const fail = (f: Failure) => denial(f, ctx);
    // A denial names the leaf's holder (and so counts toward its findings and usage) only once the
    // PoP is shown to be the holder's for THIS call: signed by its key (7b), bound to this leaf,
    // enforcement point, tool, arguments and time (7c–7g), with an accepted nonce (7h). Before
    // that, anyone holding a copy of the chain, or of one real presentation, could be calling.
    const unproven: DecisionContext = { intent, holder: null };
    const times = checkChainTimes(tokens, now, this.limits);
    if (times) return denial(times, unproven);

    // 7a/7b before 6b, as §8 advises: a non-holder cannot make us evaluate constraints.
    const signed = verifyPopSignature(pres.pop, leaf, this.limits);
    if (!signed.ok) return denial(signed, unproven);
    const policy = this.options.policy;
    const aud = checkChainAudience(tokens, this.audiences, policy?.requireChainAud === true);
    const binding: PopBinding = {
      leaf,
      tool,
      args,
      now,
      audiences: this.audiences,
      requireAud: policy?.requirePopAud ?? !(aud.ok && aud.chainNamesAud),
      chainNamesAud: aud.ok && aud.chainNamesAud,
      popWindow: this.limits.popWindow,
    };
    // 6a–6c decide in §8's order; whether such a denial is the holder's depends on 7c–7h.
    const forThisCall = async () => {
      const b = checkPopBinding(signed.pop, binding);
      return b.ok && (await checkNonce(b.claims, policy?.nonces)) === null;
    };
    const grant = checkLeafGrant(leaf, tool, args);
    if (grant) return denial(grant, (await forThisCall()) ? ctx : unproven);
    if (!aud.ok) return denial(aud, (await forThisCall()) ? ctx : unproven);
    const bound = checkPopBinding(signed.pop, binding);
    if (!bound.ok) return denial(bound, unproven);
    const nonce = await checkNonce(bound.claims, policy?.nonces);
    if (nonce) return denial(nonce, unproven);

    // Baton profile gates: revocation, intent, request policy, approvals.
    const revoked = await checkRevocation(this.options.revocation, tokens, intent);
    if (revoked) return fail(revoked);
    const unbound = checkIntentRequired(policy?.requireIntent === true, intent);
    if (unbound) return fail(unbound);
    const callCtx: CallContext = {
      tool,
      args: args as Record<string, JsonValue>,
      tokens,
      popHash: sha256b64u(signed.pop.parts.compact),
      popJti: bound.claims.jti,
      approvalPatterns: matchingPatterns(tokens, tool),
      now,
      ...(intent !== null ? { intent } : {}),
      ...(call.approval !== undefined ? { approval: call.approval } : {}),
    };
    const gated = await checkPolicyAndApproval(callCtx, this.options.rules, this.options.approvals);
    if (gated) return fail(gated);

    // 7i and usage limits, atomically, only now that everything else permits.
    const tracked = policy?.trackReplay ? policy.trackReplay(tool) : true;
    const committed = await commitPermit(this.options.ledger, tokens, bound.claims, tracked, this.limits);
    // A replayed PoP is someone's copy of a call the holder already made: never attributed. Every
    // ledger checks replay before usage, so `usage_exceeded` is the holder's only when a ledger
    // tracked the PoP's jti (and so found it fresh); otherwise it may be a replay too.
    if (committed) {
      const fresh = committed.code !== "replayed" && tracked && this.options.ledger !== undefined;
      return denial(committed, fresh ? ctx : unproven);
    }
    return permit(
      `permitted: ${quote(tool)} under a ${tokens.length}-token chain${intent ? ` for intent ${quote(intent)}` : ""}`,
      ctx,
    );
  }
}
