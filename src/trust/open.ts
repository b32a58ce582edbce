/**
 * The facade's composition root: what `Trust.open` opens (the configured store and the node's
 * revocation set) and how the configuration becomes a verifier (limits, profile policy, the
 * approval gate over the approver keys, the Cedar request policy). Nothing here decides a call.
 */
import type { BatonConfig } from "../config/schema.ts";
import { approvalGate } from "../core/approval/index.ts";
import {
  type ApprovalGate,
  DEFAULT_LIMITS,
  type RequestPolicy,
  type VerifyLimits,
  type VerifyPolicy,
} from "../core/chain/options.ts";
import { Verifier } from "../core/chain/verify.ts";
import type { NonceCheck, PermitLedger } from "../core/ports.ts";
import { matchesPattern } from "../core/token/claims.ts";
import { loadCedarPolicy } from "../policy/cedar.ts";
import { openStore } from "../store/open.ts";
import { RevocationState } from "../store/revocation-state.ts";
import type { Store } from "../store/types.ts";

/** Namespace of approval once-only keys in the permit ledger; PoP replay keys start with an agent URN. */
const APPROVAL_REPLAY_PREFIX = "baton-approval ";

/**
 * Opens the configured store (`config.store`: PostgreSQL URL, else SQLite file) unless one is
 * given, and its revocation set following the store's feed unless one is given. On failure
 * nothing stays open.
 */
export async function openStoreAndRevocations(
  config: BatonConfig,
  given: { store?: Store; revocations?: RevocationState; onCheckpointError?: (e: Error) => void } = {},
): Promise<{ store: Store; revocations: RevocationState }> {
  const store =
    given.store ??
    (await openStore({
      ...(config.store.url !== undefined ? { url: config.store.url } : {}),
      ...(config.store.path !== undefined ? { path: config.store.path } : {}),
      ...(config.audit.checkpoints
        ? {
            checkpoints: {
              ...(config.audit.nodeKey !== undefined ? { nodeKey: config.audit.nodeKey } : {}),
              intervalMs: config.audit.checkpointIntervalMs,
              everyEvents: config.audit.checkpointEveryEvents,
              ...(given.onCheckpointError !== undefined ? { onError: given.onCheckpointError } : {}),
            },
          }
        : {}),
    }));
  let revocations = given.revocations;
  if (revocations === undefined) {
    try {
      revocations = await RevocationState.open(store, { maxStalenessMs: config.maxStalenessMs });
    } catch (e) {
      await store.close();
      throw e;
    }
  }
  return { store, revocations };
}

export interface ComposeVerifierOptions {
  limits: VerifyLimits;
  revocations: RevocationState;
  /** The store's permit ledger, wrapped by the facade (failures counted). */
  ledger: PermitLedger;
  /** A caller's own gate; default the core gate over `config.approverKeys`. */
  approvals?: ApprovalGate;
  /** A caller's own request policy; default the Cedar policy of `config.cedar`. */
  rules?: RequestPolicy;
  nonces?: NonceCheck;
}

/**
 * The verifier a facade uses, from its configuration. The default approval gate accepts each
 * approval once through the ledger (across every node sharing the store) and refuses approvals
 * signed by a revoked key; with no approver key, a tool that needs approval is `approval_required`.
 * A malformed Cedar policy is a start-up error.
 */
export function composeVerifier(config: BatonConfig, o: ComposeVerifierOptions): Verifier {
  const { ledger, revocations, limits } = o;
  const approvals =
    o.approvals ??
    (config.approverKeys.length > 0
      ? approvalGate({
          approvers: config.approverKeys,
          threshold: config.approvalThreshold,
          maxIatSkew: limits.maxIatSkew,
          // A revoked approver key loses that role too (read at each call: revocations arrive live).
          isRevoked: (agent) => revocations.isAgentRevoked(agent),
          // Once-only across every node sharing the store.
          consume: async (key, exp) =>
            (
              await ledger.commit({
                replay: { key: APPROVAL_REPLAY_PREFIX + key, expiresAt: exp + 1 },
                usage: [],
              })
            ).ok,
        })
      : undefined);
  // Request-time Cedar policy from the config, unless the caller passed its own rules. Loaded
  // (and pre-parsed) once here.
  const rules =
    o.rules ??
    (config.cedar
      ? loadCedarPolicy({
          policies: config.cedar.policies,
          ...(config.cedar.catalog !== undefined ? { catalog: config.cedar.catalog } : {}),
          ...(approvals ? { approvals } : {}),
        })
      : undefined);
  return new Verifier({
    trustAnchors: config.trustAnchors,
    audience: config.audience,
    limits,
    policy: verifyPolicyOf(config, o.nonces),
    revocation: revocations,
    ledger,
    ...(approvals ? { approvals } : {}),
    ...(rules ? { rules } : {}),
  });
}

/** The configured limits over the defaults (absent fields keep the default). */
export function limitsOf(config: BatonConfig): VerifyLimits {
  const out: VerifyLimits = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(config.limits ?? {})) {
    if (typeof v === "number") out[k as keyof VerifyLimits] = v;
  }
  return out;
}

export function verifyPolicyOf(config: BatonConfig, nonces: NonceCheck | undefined): VerifyPolicy {
  const p = config.policy ?? {};
  const out: VerifyPolicy = {};
  if (p.requirePopAud !== undefined) out.requirePopAud = p.requirePopAud;
  if (p.requireChainAud !== undefined) out.requireChainAud = p.requireChainAud;
  if (p.requireIntent !== undefined) out.requireIntent = p.requireIntent;
  const track = p.trackReplay;
  if (Array.isArray(track))
    out.trackReplay = (tool) => track.some((pattern) => matchesPattern(pattern, tool));
  if (nonces) out.nonces = nonces;
  return out;
}
