/**
 * The trust facade: the one place that verifies, records, revokes and inspects, and the one place
 * that decides what is audited. The HTTP service and the CLI both go through it.
 *
 * Audited: every decision (permit and deny: code, step, token index, chain jtis, intent, holder,
 * tool, and the SHA-256 of the JCS arguments, never the arguments), every newly recorded token,
 * every accepted revocation and every refused one.
 *
 * @example
 * const trust = await Trust.open(loadConfig());
 * const decision = await trust.verify({ presentation, tool: "read_file", args: { path: "/srv/a" } });
 * if (!decision.allow) console.log(decision.code, decision.message);
 * await trust.close();
 */

import type { BatonConfig } from "./config/schema.ts";
import { approvalGate } from "./core/approval/index.ts";
import type { ApprovalGate, Decision, RequestPolicy, VerifyPolicy } from "./core/chain/options.ts";
import { DEFAULT_LIMITS, type VerifyLimits } from "./core/chain/options.ts";
import { readPresentation, Verifier } from "./core/chain/verify.ts";
import { checkChainTimes, VerifiedTokenCache, verifyChainStatic } from "./core/chain/verify-chain.ts";
import type { JsonValue } from "./core/constraints/index.ts";
import { jcs, sha256hex } from "./core/encoding.ts";
import type { DecisionCode } from "./core/errors.ts";
import type { NonceCheck, PermitLedger, RevocationTarget } from "./core/ports.ts";
import { type RevocationCode, verifyRevocationRequest } from "./core/revocation/index.ts";
import { matchesPattern } from "./core/token/claims.ts";
import { isDisplayName } from "./graph/render-escape.ts";
import { loadCedarPolicy } from "./policy/cedar.ts";
import { PendingApprovals } from "./policy/pending.ts";
import { openStore } from "./store/open.ts";
import { RevocationState } from "./store/revocation-state.ts";
import type {
  AuditCheckResult,
  AuditEvent,
  AuditFilter,
  RevocationRecord,
  Store,
  TokenInput,
} from "./store/types.ts";
import { StoreUnavailableError } from "./trust/errors.ts";
import { RecordedSet, TokenInfoCache, tokenInputOf } from "./trust/token-records.ts";

export { StoreUnavailableError } from "./trust/errors.ts";

/** What `verify` takes: the untrusted presentation and the call it authorises. */
export interface VerifyInput {
  /** `{aat_chain: string[], aat_pop: string}`, untrusted. */
  presentation: unknown;
  tool: string;
  args: Record<string, JsonValue>;
  /** A step-up approval, if the caller has one. */
  approval?: string;
  /** Unix seconds; default the facade's clock. */
  now?: number;
}

/** A token as the registry and the API describe it. */
export interface TokenSummary {
  jti: string;
  /** `sha256:<b64url>` of the signing input. */
  hash: string;
  issuer: string;
  holder: string;
  intent?: string;
  depth: number;
  /** False when the registry already held it. */
  created: boolean;
}

export type RecordChainResult =
  | {
      ok: true;
      recorded: number;
      tokens: TokenSummary[];
      /** The leaf holder's display name as stored after this call (null when it has none). */
      holderName: string | null;
    }
  | { ok: false; code: DecisionCode; step: string | null; token: number | null; message: string };

export type RevokeResult =
  | { ok: true; record: RevocationRecord; created: boolean }
  | { ok: false; code: RevocationCode; message: string };

export interface AuditPageQuery extends AuditFilter {
  /** Events with id > after. */
  after?: number;
  /** Default 100, at most 1000. */
  limit?: number;
}

export interface AuditPage {
  events: AuditEvent[];
  /** Pass as `after` to get the next page; null at the end. */
  next: number | null;
}

export interface AgentToken {
  jti: string;
  hash: string;
  issuer: string;
  holder: string;
  intent?: string;
  depth: number;
  iat: number;
  exp: number;
  /** The token itself, its issuer, its holder or its intent is revoked (ancestors are not walked). */
  revoked: boolean;
}

/** What the service knows about one agent. */
export interface AgentView {
  id: string;
  name: string | null;
  /** The agent's own revocation, if any. */
  revoked: RevocationRecord | null;
  /** Tokens this agent signed (derived tokens whose iss is the agent). */
  issued: AgentToken[];
  /** Tokens whose cnf.jwk is the agent's key. */
  held: AgentToken[];
}

export interface Readiness {
  ok: boolean;
  store: { ok: boolean; error?: string };
  revocation: { stale: boolean; ageMs: number; lastSeq: number };
}

export interface TrustOptions {
  store: Store;
  /** The node's revocation set (normally `RevocationState.open(store)`). */
  revocations: RevocationState;
  /** Unix ms; default Date.now. */
  clock?: () => number;
  /**
   * Step-up approval gate. Default: the core gate over `config.approverKeys` (1 of n, each approval
   * accepted once through the store's ledger); with no approver key, a tool that needs approval is
   * denied `approval_required`.
   */
  approvals?: ApprovalGate;
  /** Request-time policy evaluated after the chain permits. */
  rules?: RequestPolicy;
  /** Nonces this enforcement point issued (policy 7h). */
  nonces?: NonceCheck;
  /** Sees every decision after it is audited (e.g. the pending-approval list). Must not throw. */
  onDecision?: (input: VerifyInput, decision: Decision, now: number) => void;
}

type StoreErrorListener = (operation: string, error: unknown) => void;

const NO_ANCHORS =
  "this Baton service has no trust anchors configured, so no chain can verify; start it with --trust anchors.json (or set BATON_TRUST_ANCHORS)";
/** Namespaces of once-only keys in the permit ledger; PoP replay keys start with an agent URN. */
const REVOKE_REPLAY_PREFIX = "baton-revoke ";
const APPROVAL_REPLAY_PREFIX = "baton-approval ";
const MAX_AUDITED_JTIS = 16;

export class Trust {
  readonly config: BatonConfig;
  /** Calls waiting for a step-up approval on this node (`GET /v1/approvals`). */
  readonly pending = new PendingApprovals();
  readonly limits: VerifyLimits;
  readonly #store: Store;
  readonly #revocations: RevocationState;
  readonly #clock: () => number;
  readonly #verifier: Verifier;
  readonly #chainCache = new VerifiedTokenCache();
  readonly #infos = new TokenInfoCache();
  readonly #recorded = new RecordedSet();
  readonly #listeners = new Set<StoreErrorListener>();
  readonly #onDecision: TrustOptions["onDecision"];
  #closed: Promise<void> | null = null;

  /**
   * Opens the configured store (`config.store`: PostgreSQL URL, else SQLite file) and its
   * revocation feed, then builds the facade. `close()` closes both.
   */
  static async open(config: BatonConfig, options: Partial<TrustOptions> = {}): Promise<Trust> {
    const store =
      options.store ??
      (await openStore({
        ...(config.store.url !== undefined ? { url: config.store.url } : {}),
        ...(config.store.path !== undefined ? { path: config.store.path } : {}),
      }));
    let revocations = options.revocations;
    if (revocations === undefined) {
      try {
        revocations = await RevocationState.open(store, { maxStalenessMs: config.maxStalenessMs });
      } catch (e) {
        await store.close();
        throw e;
      }
    }
    return new Trust(config, { ...options, store, revocations });
  }

  /** Builds the facade over an open store and revocation set; it owns both from now on. */
  constructor(config: BatonConfig, options: TrustOptions) {
    this.config = config;
    this.limits = limitsOf(config);
    this.#store = options.store;
    this.#revocations = options.revocations;
    this.#clock = options.clock ?? Date.now;
    this.#onDecision = options.onDecision;
    const ledger: PermitLedger = {
      commit: (entry) => this.#io("commitPermit", () => this.#store.commitPermit(entry)),
    };
    const approvals =
      options.approvals ??
      (config.approverKeys.length > 0
        ? approvalGate({
            approvers: config.approverKeys,
            ...(config.approvalThreshold !== undefined ? { threshold: config.approvalThreshold } : {}),
            maxIatSkew: this.limits.maxIatSkew,
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
    // (and pre-parsed) once here; a malformed policy file is a start-up error.
    const rules =
      options.rules ??
      (config.cedar
        ? loadCedarPolicy({
            policies: config.cedar.policies,
            ...(config.cedar.catalog !== undefined ? { catalog: config.cedar.catalog } : {}),
            ...(approvals ? { approvals } : {}),
          })
        : undefined);
    this.#verifier = new Verifier({
      trustAnchors: config.trustAnchors,
      audience: config.audience,
      limits: this.limits,
      policy: verifyPolicyOf(config, options.nonces),
      revocation: this.#revocations,
      ledger,
      ...(approvals ? { approvals } : {}),
      ...(rules ? { rules } : {}),
    });
  }

  /** The store backend in use. */
  get backend(): Store["backend"] {
    return this.#store.backend;
  }

  /**
   * The underlying store, for read-only views (the delegation graph, the registry) and cosmetic
   * data. Anything that must be audited goes through the facade's methods instead.
   */
  get store(): Store {
    return this.#store;
  }

  /** Sets (or, with null, clears) an agent's display name. Cosmetic: carries no authority. */
  setAgentName(agent: string, name: string | null): Promise<void> {
    return this.#io("setAgentName", () => this.#store.setAgentName(agent, name));
  }

  /** Unix seconds by the facade's clock. */
  now(): number {
    return Math.floor(this.#clock() / 1000);
  }

  /** Calls `listener` whenever a store operation fails; returns the unsubscribe function. */
  onStoreError(listener: StoreErrorListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Verifies one tool call (AAT -02 §8 plus the Baton profile) against the configured anchors,
   * audience, limits and policy, this node's revocation set and the store's permit ledger. Every
   * decision is audited; a decision that cannot be audited becomes a `verification_unavailable`
   * denial. On permit, the chain's tokens are recorded in the registry.
   */
  async verify(input: VerifyInput): Promise<Decision> {
    const now = input.now ?? this.now();
    let decision = await this.#verifier.verify({
      presentation: input.presentation,
      tool: input.tool,
      args: input.args,
      now,
      ...(input.approval !== undefined ? { approval: input.approval } : {}),
    });
    if (this.config.trustAnchors.length === 0 && decision.code === "bad_signature" && decision.token === 0) {
      decision = { ...decision, message: NO_ANCHORS };
    }
    const infos = this.#describe(input.presentation);
    if (decision.allow) await this.#recordPermitted(infos);
    try {
      await this.#io("appendAudit", () =>
        this.#store.appendAudit({
          type: "decision",
          ...(decision.intent !== null ? { intent: decision.intent } : {}),
          ...(decision.holder !== null ? { agent: decision.holder } : {}),
          data: decisionData(decision, input, infos),
        }),
      );
    } catch {
      // Evidence first: a call whose decision cannot be written down is not permitted.
      return {
        allow: false,
        code: "verification_unavailable",
        step: "B0",
        token: null,
        message: "the decision could not be written to the audit log; the call is refused",
        intent: decision.intent,
        holder: decision.holder,
      };
    }
    if (typeof input.tool === "string" && input.args !== null && typeof input.args === "object") {
      this.pending.observe(
        { presentation: input.presentation, tool: input.tool, args: input.args },
        decision,
        now,
      );
    }
    if (this.#onDecision) {
      try {
        this.#onDecision(input, decision, now);
      } catch {
        // an observer must not change the decision
      }
    }
    return decision;
  }

  /**
   * Verifies a chain statically (signatures, links, times; no PoP) and records every token in the
   * registry, auditing each newly recorded one (`token_recorded`). Idempotent.
   *
   * `holderName` is a display name for the leaf's holder (cosmetic, no authority: the graph and
   * `/ui` show it). It is stored only when that agent has no name yet, so whoever holds a copy of a
   * chain cannot rename an agent that is already named; callers must pass text that
   * {@link isDisplayName} accepts.
   */
  async recordChain(chain: unknown, options: { holderName?: string } = {}): Promise<RecordChainResult> {
    if (!Array.isArray(chain) || !chain.every((t) => typeof t === "string")) {
      return refuseChain(
        "malformed_presentation",
        "1",
        null,
        "aat_chain is not an array of compact JWS strings",
      );
    }
    const v = verifyChainStatic(chain, this.config.trustAnchors, this.limits, this.#chainCache);
    if (!v.ok) {
      const message =
        this.config.trustAnchors.length === 0 && v.code === "bad_signature" ? NO_ANCHORS : v.message;
      return refuseChain(v.code, v.step, v.token, message);
    }
    const times = checkChainTimes(v.tokens, this.now(), this.limits);
    if (times) return refuseChain(times.code, times.step, times.token, times.message);
    const tokens: TokenSummary[] = [];
    let recorded = 0;
    for (const t of v.tokens) {
      const input = tokenInputOf(t);
      const created = await this.#record(input);
      if (created) recorded += 1;
      tokens.push({ ...summaryOf(input), created });
    }
    const holder = tokens[tokens.length - 1]?.holder as string;
    let holderName = (await this.#io("getAgentNames", () => this.#store.getAgentNames([holder]))).get(holder);
    if (holderName === undefined && options.holderName !== undefined) {
      if (!isDisplayName(options.holderName)) throw new TypeError("holderName is not a display name");
      const name = options.holderName;
      await this.#io("setAgentName", () => this.#store.setAgentName(holder, name));
      holderName = name;
    }
    return { ok: true, recorded, tokens, holderName: holderName ?? null };
  }

  /**
   * Applies a signed revocation request (see `core/revocation/request.ts` for who may revoke
   * what). Accepted requests are stored permanently (idempotent per target), applied to this node
   * at once and audited (`revocation`); refused ones are audited (`revocation_refused`).
   * A request jti is accepted once.
   */
  async revoke(request: unknown): Promise<RevokeResult> {
    const now = this.now();
    const maxAge = this.config.revocation.maxAgeSeconds;
    const r = verifyRevocationRequest(request, {
      trustAnchors: this.config.trustAnchors,
      adminKeys: this.config.adminKeys,
      now,
      maxAge,
      limits: this.limits,
      delegatorsMayRevokeAgents: this.config.revocation.delegatorsMayRevokeAgents,
    });
    if (!r.ok) return this.#refuseRevocation(r.code, r.message, r.jti);
    const fresh = await this.#io("commitPermit", () =>
      this.#store.commitPermit({
        replay: { key: REVOKE_REPLAY_PREFIX + r.jti, expiresAt: r.iat + maxAge + 1 },
        usage: [],
      }),
    );
    if (!fresh.ok) {
      return this.#refuseRevocation(
        "revocation_replayed",
        `the revocation request "${r.jti}" was already used`,
        r.jti,
      );
    }
    const added = await this.#io("addRevocation", () =>
      this.#store.addRevocation({
        target: r.target,
        actor: r.actor,
        requestJti: r.jti,
        ...(r.reason !== undefined ? { reason: r.reason } : {}),
        ...(r.tokenExp !== undefined ? { tokenExp: r.tokenExp } : {}),
      }),
    );
    // Enforced on this node now, without waiting for the feed.
    this.#revocations.apply(added.record);
    await this.#io("appendAudit", () =>
      this.#store.appendAudit({
        type: "revocation",
        agent: r.actor,
        ...(r.target.kind === "intent" ? { intent: r.target.id } : {}),
        data: {
          seq: added.record.seq,
          created: added.created,
          target: { kind: r.target.kind, id: r.target.id },
          authority: r.authority,
          request_jti: r.jti,
          ...(r.reason !== undefined ? { reason: r.reason } : {}),
        },
      }),
    );
    return { ok: true, record: added.record, created: added.created };
  }

  /** One page of audit events, oldest first. */
  async audit(query: AuditPageQuery = {}): Promise<AuditPage> {
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    const { after, limit: _limit, ...filter } = query;
    const events = await this.#io("listAudit", () =>
      this.#store.listAudit({
        ...filter,
        ...(after !== undefined ? { afterId: after } : {}),
        limit: limit + 1,
      }),
    );
    const more = events.length > limit;
    const page = more ? events.slice(0, limit) : events;
    return { events: page, next: more ? (page.at(-1)?.id ?? null) : null };
  }

  /** Walks the whole audit hash chain; reports the first broken event. */
  checkAudit(): Promise<AuditCheckResult> {
    return this.#io("checkAudit", () => this.#store.checkAudit());
  }

  /** The audit log as JSON Lines (one JCS event per line), in bounded memory. */
  exportAudit(filter: AuditFilter = {}): AsyncIterable<string> {
    return this.#store.exportAudit(filter);
  }

  /** What the service knows about an agent, or null when it knows nothing. */
  async agent(id: string): Promise<AgentView | null> {
    const [tokens, names, revoked] = await Promise.all([
      this.#io("findTokens", () => this.#store.findTokens({ agent: id, limit: 1000 })),
      this.#io("getAgentNames", () => this.#store.getAgentNames([id])),
      this.#io("getRevocation", () => this.#store.getRevocation({ kind: "agent", id })),
    ]);
    const name = names.get(id) ?? null;
    if (tokens.length === 0 && name === null && revoked === null) return null;
    const view = (t: TokenInput): AgentToken => ({
      jti: t.jti,
      hash: t.hash,
      issuer: t.issuer,
      holder: t.holder,
      ...(t.intent !== undefined ? { intent: t.intent } : {}),
      depth: t.depth,
      iat: t.iat,
      exp: t.exp,
      revoked:
        this.#revocations.check({
          tokens: [{ index: 0, jti: t.jti, hash: t.hash, issuer: t.issuer, holder: t.holder }],
          ...(t.intent !== undefined ? { intent: t.intent } : {}),
        }) !== null,
    });
    return {
      id,
      name,
      revoked,
      issued: tokens.filter((t) => t.issuer === id).map(view),
      held: tokens.filter((t) => t.holder === id).map(view),
    };
  }

  /** The revocation feed: records with seq > afterSeq, ascending. */
  async revocations(
    afterSeq = 0,
    limit = 1000,
  ): Promise<{ revocations: RevocationRecord[]; lastSeq: number }> {
    const list = await this.#io("listRevocations", () => this.#store.listRevocations({ afterSeq, limit }));
    return { revocations: list, lastSeq: list.at(-1)?.seq ?? afterSeq };
  }

  /** Is a revocation target revoked (as stored)? */
  async revocation(target: RevocationTarget): Promise<RevocationRecord | null> {
    return this.#io("getRevocation", () => this.#store.getRevocation(target));
  }

  /** Freshness of this node's revocation set. */
  revocationFreshness(): { stale: boolean; ageMs: number } {
    return this.#revocations.freshness();
  }

  /**
   * Housekeeping: drops expired PoP replay keys and nonces, and token revocations whose token has
   * expired (beyond the iat skew), in the store and in this node's set. Returns how many went.
   */
  async prune(): Promise<number> {
    const now = this.now();
    const skew = this.limits.maxIatSkew;
    const replay = await this.#io("pruneReplay", () => this.#store.pruneReplay({ now }));
    const revoked = await this.#io("pruneRevocations", () => this.#store.pruneRevocations({ now, skew }));
    this.#revocations.prune({ now, skew });
    return replay + revoked;
  }

  /** Store reachable and revocation state fresh. */
  async ready(): Promise<Readiness> {
    const fresh = this.#revocations.freshness();
    const revocation = { stale: fresh.stale, ageMs: fresh.ageMs, lastSeq: this.#revocations.lastSeq };
    try {
      await this.#io("ping", () =>
        this.#store.listRevocations({ afterSeq: this.#revocations.lastSeq, limit: 1 }),
      );
      return { ok: !fresh.stale, store: { ok: true }, revocation };
    } catch (e) {
      const cause = e instanceof StoreUnavailableError ? e.cause : e;
      return {
        ok: false,
        store: { ok: false, error: (cause as Error)?.message ?? String(cause) },
        revocation,
      };
    }
  }

  /** Closes the revocation feed and the store. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#revocations.close();
      await this.#store.close();
    })();
    return this.#closed;
  }

  /** Unverified descriptions of the presented tokens, for the audit (and, on permit, the registry). */
  #describe(presentation: unknown): (TokenInput | null)[] {
    const p = readPresentation(presentation);
    if (!p.ok) return [];
    const out: (TokenInput | null)[] = [];
    const n = Math.min(p.chain.length, this.limits.maxDelegationDepth + 1);
    for (let i = 0; i < n; i++) {
      const t = p.chain[i] as string;
      out.push(t.length <= this.limits.maxTokenSize ? this.#infos.get(t, i) : null);
    }
    return out;
  }

  async #recordPermitted(infos: (TokenInput | null)[]): Promise<void> {
    try {
      for (const info of infos) if (info) await this.#record(info);
    } catch {
      // The registry is a view for inspection; the decision stands (the failure is counted).
    }
  }

  /** Records a token once; audits `token_recorded` when it is new. Returns whether it was new. */
  async #record(input: TokenInput): Promise<boolean> {
    if (this.#recorded.has(input.hash)) return false;
    const r = await this.#io("recordToken", () => this.#store.recordToken(input));
    if (r.created) {
      await this.#io("appendAudit", () =>
        this.#store.appendAudit({
          type: "token_recorded",
          agent: input.holder,
          ...(input.intent !== undefined ? { intent: input.intent } : {}),
          data: {
            hash: input.hash,
            jti: input.jti,
            issuer: input.issuer,
            holder: input.holder,
            depth: input.depth,
            ...(input.parentHash !== undefined ? { parent_hash: input.parentHash } : {}),
          },
        }),
      );
    }
    this.#recorded.add(input.hash);
    return r.created;
  }

  async #refuseRevocation(code: RevocationCode, message: string, jti?: string): Promise<RevokeResult> {
    await this.#io("appendAudit", () =>
      this.#store.appendAudit({
        type: "revocation_refused",
        data: { code, message, ...(jti !== undefined ? { request_jti: jti } : {}) },
      }),
    );
    return { ok: false, code, message };
  }

  async #io<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      for (const l of this.#listeners) {
        try {
          l(operation, e);
        } catch {
          // a listener must not change the outcome
        }
      }
      throw new StoreUnavailableError(operation, e);
    }
  }
}

/** The configured limits over the defaults (absent fields keep the default). */
export function limitsOf(config: BatonConfig): VerifyLimits {
  const out: VerifyLimits = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(config.limits ?? {})) {
    if (typeof v === "number") out[k as keyof VerifyLimits] = v;
  }
  return out;
}

function verifyPolicyOf(config: BatonConfig, nonces: NonceCheck | undefined): VerifyPolicy {
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

function decisionData(
  d: Decision,
  input: VerifyInput,
  infos: (TokenInput | null)[],
): Record<string, unknown> {
  const data: Record<string, unknown> = {
    allow: d.allow,
    code: d.code,
    jtis: infos
      .slice(0, MAX_AUDITED_JTIS)
      .map((i) => i?.jti)
      .filter((j): j is string => j !== undefined),
    message: d.message,
  };
  if (d.step !== null) data.step = d.step;
  if (d.token !== null && d.token >= 0) data.token_index = d.token;
  if (typeof input.tool === "string") data.tool = input.tool;
  const hash = argsHash(input.args);
  if (hash !== null) data.args_sha256 = hash;
  return data;
}

/** sha256 hex of JCS(args): what the audit keeps instead of the arguments. */
export function argsHash(args: unknown): string | null {
  try {
    return sha256hex(jcs(args));
  } catch {
    return null;
  }
}

function summaryOf(t: TokenInput): Omit<TokenSummary, "created"> {
  return {
    jti: t.jti,
    hash: t.hash,
    issuer: t.issuer,
    holder: t.holder,
    ...(t.intent !== undefined ? { intent: t.intent } : {}),
    depth: t.depth,
  };
}

function refuseChain(
  code: DecisionCode,
  step: string | null,
  token: number | null,
  message: string,
): RecordChainResult {
  return { ok: false, code, step, token, message };
}
