/**
 * Cedar request-time policy (Baton profile B7): a `RequestPolicy` the verifier evaluates after the
 * chain permits a call. Policies can only take authority away from what the chain grants (or ask
 * for step-up approval); they never grant a tool the chain does not.
 *
 * Evaluation, once per call (≈ 0.2–0.3 ms on an idle machine, more under load; see the bench note
 * in `test/policy/cedar.test.ts`):
 *
 * 1. the policy set is pre-parsed once at load (`preparsePolicySet`) and evaluated per call with
 *    `statefulIsAuthorized` on the request of `cedar-context.ts`;
 * 2. **deny** (a satisfied `forbid`, or no satisfied `permit`: Cedar's default deny) →
 *    `policy_denied` naming the determining policy ids. A `forbid` that raises an evaluation error
 *    also denies (fail closed: Cedar itself would skip an erroring policy);
 * 3. **allow** with a satisfied (or erroring) policy annotated `@approval("required")` → the call
 *    needs a step-up approval: if the chain already requires one for this tool (a `baton_approve`
 *    pattern matched), the verifier's approval gate checks it once for both; otherwise this policy
 *    asks its own `approvals` gate with the call's approval (`ctx.approval`, which the core verifier
 *    passes with every call), and without one the result is `approval_required`.
 *
 * `@approval("required")` is allowed on `permit` policies only: such a policy permits the call,
 * on condition of an approval. A deployment that only restricts starts from a blanket
 * `permit (principal, action, resource);` and adds `forbid`s.
 *
 * @example
 * const rules = loadCedarPolicy({ policies: "examples/policies", catalog: "examples/catalog.json", approvals: gate });
 * new Verifier({ trustAnchors, audience, rules, approvals: gate });
 */
import { preparsePolicySet, statefulIsAuthorized } from "@cedar-policy/cedar-wasm/nodejs";
import type { ApprovalGate, CallContext, GateResult, RequestPolicy } from "../core/chain/options.ts";
import { BatonError } from "../core/errors.ts";
import { EMPTY_CATALOG, loadCatalog, type ToolCatalog, type ToolClassOrUnknown } from "./catalog.ts";
import { cedarRequest } from "./cedar-context.ts";
import { formatProblem, type PolicySource, readPolicies, type SourcePolicy } from "./policy-source.ts";

/** The annotation that turns a permit into "permit with step-up approval". */
export const APPROVAL_ANNOTATION = "approval";

export interface CedarPolicyOptions {
  /** `{policyId: text}`, or a path to a `.cedar` file or a directory of `.cedar` files. */
  policies: PolicySource;
  /** A catalog, or the path of a catalog JSON file. Without one every tool is `unknown`. */
  catalog?: ToolCatalog | string;
  /**
   * The gate that checks approvals when an `@approval("required")` policy matches and the chain
   * itself asks for none. Normally the same gate the verifier is given.
   */
  approvals?: ApprovalGate;
}

/** What Cedar decided about one call, before it is turned into a gate result. */
export interface CedarVerdict {
  decision: "allow" | "deny";
  /** Determining policy ids: the satisfied forbids of a deny, the satisfied permits of an allow. */
  reasons: string[];
  /** Policies whose evaluation raised an error (Cedar skips them). */
  errors: { policy: string; message: string }[];
  /** `@approval("required")` policies that were satisfied or errored. */
  approval: string[];
  toolClass: ToolClassOrUnknown;
}

/** A loaded Cedar policy set, usable as the verifier's `rules`. */
export interface CedarPolicy extends RequestPolicy {
  readonly policyIds: readonly string[];
  readonly approvalPolicyIds: readonly string[];
  readonly catalog: ToolCatalog;
  /** Evaluates Cedar for `ctx`. Throws only when the engine itself fails. */
  decide(ctx: CallContext): CedarVerdict;
  /** Ids of the approval policies that apply to `ctx` (empty when none, or when Cedar denies). */
  requiresApproval(ctx: CallContext): string[];
  evaluate(ctx: CallContext): Promise<GateResult>;
}

let nextSetId = 0;

/**
 * Loads, validates and pre-parses a policy set. Throws `BatonError("invalid_config", …)` naming the
 * file, line and problem for anything malformed, so a bad policy stops start-up, never a call.
 */
export function loadCedarPolicy(options: CedarPolicyOptions): CedarPolicy {
  const catalog =
    typeof options.catalog === "string" ? loadCatalog(options.catalog) : (options.catalog ?? EMPTY_CATALOG);
  const { policies, problems } = readPolicies(options.policies);
  const first = problems[0];
  if (first) throw new BatonError("invalid_config", formatProblem(first));
  if (policies.length === 0) throw new BatonError("invalid_config", "the policy set holds no policy");
  const effects = new Map<string, "permit" | "forbid">();
  const approvalIds = new Set<string>();
  for (const p of policies) {
    effects.set(p.id, p.json.effect);
    const a = readApprovalAnnotation(p);
    if (a) approvalIds.add(p.id);
  }
  const setId = `baton-policy-${++nextSetId}`;
  const staticPolicies = Object.fromEntries(policies.map((p) => [p.id, p.text]));
  const prepared = preparsePolicySet(setId, { staticPolicies });
  if (prepared.type === "failure") {
    throw new BatonError("invalid_config", `policy set: ${prepared.errors.map((e) => e.message).join("; ")}`);
  }
  const gate = options.approvals;

  const decide = (ctx: CallContext): CedarVerdict => {
    const toolClass = catalog.classify(ctx.tool);
    const req = cedarRequest(ctx, toolClass);
    const answer = statefulIsAuthorized({ ...req, preparsedPolicySetId: setId });
    if (answer.type === "failure") {
      throw new Error(
        `Cedar could not evaluate the request: ${answer.errors.map((e) => e.message).join("; ")}`,
      );
    }
    const { decision, diagnostics } = answer.response;
    const errors = diagnostics.errors.map((e) => ({ policy: e.policyId, message: e.error.message }));
    const approval =
      decision === "allow"
        ? [
            ...new Set([
              ...diagnostics.reason.filter((id) => approvalIds.has(id)),
              ...errors.filter((e) => approvalIds.has(e.policy)).map((e) => e.policy),
            ]),
          ]
        : [];
    return { decision, reasons: [...diagnostics.reason], errors, approval, toolClass };
  };

  return {
    policyIds: policies.map((p) => p.id),
    approvalPolicyIds: [...approvalIds],
    catalog,
    decide,
    requiresApproval(ctx) {
      return decide(ctx).approval;
    },
    async evaluate(ctx) {
      let v: CedarVerdict;
      try {
        v = decide(ctx);
      } catch (e) {
        return { code: "verification_unavailable", step: "B7", message: (e as Error).message };
      }
      const erroredForbid = v.errors.find((e) => effects.get(e.policy) === "forbid");
      if (erroredForbid) {
        return {
          code: "policy_denied",
          step: "B7",
          message: `forbid policy "${erroredForbid.policy}" could not be evaluated for tool "${ctx.tool}" (${erroredForbid.message}); refusing`,
        };
      }
      if (v.decision === "deny") {
        return {
          code: "policy_denied",
          step: "B7",
          message:
            v.reasons.length > 0
              ? `tool "${ctx.tool}" is forbidden by policy ${v.reasons.map((r) => `"${r}"`).join(", ")}`
              : `no policy permits tool "${ctx.tool}" (class ${v.toolClass}) for this agent`,
        };
      }
      if (v.approval.length === 0) return null;
      // The chain's own approval patterns matched: the verifier's gate checks the same approval
      // right after this policy, so checking (and consuming) it here too would count it twice.
      if (ctx.approvalPatterns.length > 0) return null;
      const why = `policy ${v.approval.map((r) => `"${r}"`).join(", ")} requires step-up approval for tool "${ctx.tool}"`;
      // The core hands every request-time policy the call's approval in its context.
      const approval = ctx.approval;
      if (approval === undefined || approval === "") {
        return {
          code: "approval_required",
          step: "B6",
          message: `${why}; no approval was presented, an approver must sign one for pop_hash ${ctx.popHash}`,
        };
      }
      if (!gate) {
        return {
          code: "approval_required",
          step: "B6",
          message: `${why}, and no approval gate is configured`,
        };
      }
      const r = await gate.check({ ...ctx, approvalPatterns: [] }, approval);
      return r ? { ...r, message: `${why}: ${r.message}` } : null;
    },
  };
}

function readApprovalAnnotation(p: SourcePolicy): boolean {
  const annotations = p.json.annotations ?? {};
  if (!Object.hasOwn(annotations, APPROVAL_ANNOTATION)) return false;
  const value = annotations[APPROVAL_ANNOTATION];
  const where = `${p.source}: line ${p.line}: policy "${p.id}"`;
  if (value !== "required") {
    throw new BatonError(
      "invalid_config",
      `${where}: @approval must be "required", not ${JSON.stringify(value)}`,
    );
  }
  if (p.json.effect !== "permit") {
    throw new BatonError("invalid_config", `${where}: @approval("required") applies to permit policies only`);
  }
  return true;
}
