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

import type { BatonConfig } from "../config/schema.ts";
import type { Decision, VerifyLimits } from "../core/chain/options.ts";
import { readPresentation, type Verifier } from "../core/chain/verify.ts";
import { checkChainTimes, VerifiedTokenCache, verifyChainStatic } from "../core/chain/verify-chain.ts";
import type { DecisionCode } from "../core/errors.ts";
import type { GraphSource } from "../core/graph/source.ts";
import type { Graph } from "../core/graph/types.ts";
import type { PermitLedger, RevocationTarget } from "../core/ports.ts";
import { type RevocationCode, verifyRevocationRequest } from "../core/revocation/index.ts";
import {
  type IntentList,
  type LoadGraphOptions,
  listIntents,
  loadAgentGraph,
  loadIntentGraph,
} from "../graph/load.ts";
import { isDisplayName } from "../graph/render-escape.ts";
import { PendingApprovals } from "../policy/pending.ts";
import type { RevocationState } from "../store/revocation-state.ts";
import type {
  AuditCheckOptions,
  AuditCheckResult,
  AuditEvent,
  AuditFilter,
  RevocationRecord,
  Store,
  TokenInput,
  TokenQuery,
  TokenRecord,
} from "../store/types.ts";
import { decisionData } from "./audit-data.ts";
import { boundText, compactHash, MAX_AUDIT_MESSAGE, MAX_CLAIMED_ID } from "./bounded.ts";
import { StoreUnavailableError } from "./errors.ts";
import { composeVerifier, limitsOf, openStoreAndRevocations } from "./open.ts";
import { RecordedSet, tokenInputOf } from "./token-records.ts";
import type {
  AgentToken,
  AgentView,
  AuditPage,
  AuditPageQuery,
  ChangeSource,
  CheckpointPage,
  GraphReadOptions,
  Readiness,
  RecordChainResult,
  RevokeResult,
  TokenSummary,
  TrustOptions,
  VerifyInput,
} from "./types.ts";

type StoreErrorListener = (operation: string, error: unknown) => void;

const NO_ANCHORS =
  "this Baton service has no trust anchors configured, so no chain can verify; start it with --trust anchors.json (or set BATON_TRUST_ANCHORS)";
/** Namespaces of once-only keys in the permit ledger; PoP replay keys start with an agent URN. */
const REVOKE_REPLAY_PREFIX = "baton-revoke ";

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
  readonly #recorded = new RecordedSet();
  readonly #listeners = new Set<StoreErrorListener>();
  readonly #onDecision: TrustOptions["onDecision"];
  #closed: Promise<void> | null = null;

  /**
   * Opens the configured store (`config.store`: PostgreSQL URL, else SQLite file) and its
   * revocation feed, then builds the facade. `close()` closes both.
   */
  static async open(config: BatonConfig, options: Partial<TrustOptions> = {}): Promise<Trust> {
    // A checkpoint that cannot be signed (a store error, or a head below this node's latest
    // checkpoint) reaches the store-error listeners (metrics) once the facade exists.
    let built: Trust | undefined;
    const opened = await openStoreAndRevocations(config, {
      ...(options.store !== undefined ? { store: options.store } : {}),
      ...(options.revocations !== undefined ? { revocations: options.revocations } : {}),
      onCheckpointError: (e: Error) => {
        if (built) built.#notify("auditCheckpoint", e);
      },
    });
    built = new Trust(config, { ...options, ...opened });
    return built;
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
    this.#verifier = composeVerifier(config, {
      limits: this.limits,
      revocations: this.#revocations,
      ledger,
      ...(options.approvals !== undefined ? { approvals: options.approvals } : {}),
      ...(options.rules !== undefined ? { rules: options.rules } : {}),
      ...(options.nonces !== undefined ? { nonces: options.nonces } : {}),
    });
  }

  /** The store backend in use. */
  get backend(): Store["backend"] {
    return this.#store.backend;
  }

  /**
   * The underlying store.
   *
   * @deprecated Edges (service routes, CLI commands) reach the store only through the facade's
   * methods: {@link Trust.intentGraph}, {@link Trust.agentGraph}, {@link Trust.intents},
   * {@link Trust.tokens}, {@link Trust.tokenAudit}, {@link Trust.agentNames}, {@link Trust.changes},
   * {@link Trust.audit} and the rest. Kept until every caller has moved.
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
    const verification = await this.#verifier.verifyCall({
      presentation: input.presentation,
      tool: input.tool,
      args: input.args,
      now,
      ...(input.approval !== undefined ? { approval: input.approval } : {}),
    });
    let decision = verification.decision;
    if (this.config.trustAnchors.length === 0 && decision.code === "bad_signature" && decision.token === 0) {
      decision = { ...decision, message: NO_ANCHORS };
    }
    // What the verifier verified, as it verified it: the presentation is parsed once, and nothing of
    // a token that did not verify is described (or audited) here.
    const infos: (TokenInput | null)[] = verification.tokens?.map(tokenInputOf) ?? [];
    if (decision.allow) await this.#recordPermitted(infos);
    try {
      await this.#io("appendAudit", () =>
        this.#store.appendAudit({
          type: "decision",
          // Indexed by intent and agent only when the holder provably made the call: an unproven
          // decision's intent is a claim (kept bounded as data.claimed_intent), and must not add
          // rows to what that intent's graph reads.
          ...(decision.holder !== null && decision.intent !== null ? { intent: decision.intent } : {}),
          ...(decision.holder !== null ? { agent: decision.holder } : {}),
          data: decisionData(decision, input, infos, this.#presented(input.presentation)),
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
      audience: this.config.audience,
      isAgentRevoked: (agent) => this.#revocations.isAgentRevoked(agent),
      now,
      maxAge,
      limits: this.limits,
      delegatorsMayRevokeAgents: this.config.revocation.delegatorsMayRevokeAgents,
    });
    if (!r.ok) return this.#refuseRevocation(r.code, r.message, request, r.jti);
    // This node's set may be stale (a lost feed) or behind another node: the store decides whether
    // the signer's own key is revoked. A revoked key keeps no role, admin and anchor included.
    const signerRevoked = await this.#io("getRevocation", () =>
      this.#store.getRevocation({ kind: "agent", id: r.actor }),
    );
    if (signerRevoked !== null) {
      return this.#refuseRevocation(
        "revocation_unauthorized",
        `the request is signed by ${r.actor}, whose key is revoked (revocation #${signerRevoked.seq}): a revoked key keeps no role; sign with a key that is not revoked`,
        request,
        r.jti,
      );
    }
    // Once-only per signer and request jti: a jti learned from a refused request (audited as
    // request_jti) cannot be burnt first by someone else's request.
    const fresh = await this.#io("commitPermit", () =>
      this.#store.commitPermit({
        replay: { key: `${REVOKE_REPLAY_PREFIX}${r.actor} ${r.jti}`, expiresAt: r.iat + maxAge + 1 },
        usage: [],
      }),
    );
    if (!fresh.ok) {
      return this.#refuseRevocation(
        "revocation_replayed",
        `the revocation request "${boundText(r.jti, MAX_CLAIMED_ID)}" was already used`,
        request,
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

  /**
   * Walks the whole audit hash chain (in pages, yielding between them) and holds it against every
   * signed checkpoint, stored or given; reports the first broken event or a cut-off tail, and
   * `checkpoints.stalled` when this node stopped signing. Checkpoints count only when signed by
   * one of {@link Trust.trustedNodes} (unless `options.trustedNodes` says otherwise).
   */
  checkAudit(options: AuditCheckOptions = {}): Promise<AuditCheckResult> {
    const signer = this.#store.checkpointSigner;
    return this.#io("checkAudit", () =>
      this.#store.checkAudit({
        trustedNodes: this.trustedNodes(),
        ...(signer !== null ? { stall: { ...signer, now: this.#clock() } } : {}),
        ...options,
      }),
    );
  }

  /**
   * The node ids whose checkpoints this node's checks accept: its own checkpoint key's (when it
   * signs) and `audit.trustedNodes` (the other nodes sharing the store). Any other signer is
   * `checkpoint_invalid`, however well its self-certifying signature verifies.
   */
  trustedNodes(): ReadonlySet<string> {
    const own = this.#store.checkpointSigner?.node;
    return new Set([...(own !== undefined ? [own] : []), ...this.config.audit.trustedNodes]);
  }

  /** One page of the stored audit checkpoints, oldest first (limit default 100, at most 1000). */
  async auditCheckpoints(query: { after?: number; limit?: number } = {}): Promise<CheckpointPage> {
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    const list = await this.#io("listAuditCheckpoints", () =>
      this.#store.listAuditCheckpoints({ afterId: query.after ?? 0, limit: limit + 1 }),
    );
    const more = list.length > limit;
    const page = more ? list.slice(0, limit) : list;
    return { checkpoints: page, next: more ? (page.at(-1)?.id ?? null) : null };
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
          tokens: [
            {
              index: 0,
              jti: t.jti,
              hash: t.hash,
              issuer: t.issuer,
              holder: t.holder,
              // A root is also revoked when the anchor key that signed it is.
              ...(t.depth === 0 ? this.#anchorSigner(t.token) : {}),
            },
          ],
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

  /**
   * The delegation graph of one intent (tokens, statuses, usage, findings) as of now, or null when
   * no token of it is recorded.
   *
   * @example
   * const graph = await trust.intentGraph("triage-42", { denialThreshold: 5 });
   */
  intentGraph(intent: string, options: GraphReadOptions = {}): Promise<Graph | null> {
    return this.#io("loadIntentGraph", () =>
      loadIntentGraph(this.#store, intent, this.#graphOptions(options)),
    );
  }

  /**
   * One agent's view: the tokens it holds or issued across every intent it took part in, or null
   * when it appears in no recorded token.
   */
  agentGraph(agent: string, options: GraphReadOptions = {}): Promise<Graph | null> {
    return this.#io("loadAgentGraph", () => loadAgentGraph(this.#store, agent, this.#graphOptions(options)));
  }

  /** The recorded intents with their token counts by status (`GET /v1/intents`). */
  intents(options: GraphReadOptions = {}): Promise<IntentList> {
    return this.#io("listIntents", () => listIntents(this.#store, this.#graphOptions(options)));
  }

  /**
   * Registry reads: recorded tokens by intent, agent (issuer or holder), jti or parent hash.
   *
   * @example
   * const [token] = await trust.tokens({ jti, limit: 1 });
   */
  tokens(query: TokenQuery): Promise<TokenRecord[]> {
    return this.#io("findTokens", () => this.#store.findTokens(query));
  }

  /**
   * The audit events that concern one token (decisions naming its jti or hash, its
   * `token_recorded` event, revocations of it), oldest first, at most `limit` (default 500) of the
   * latest, with `truncated` when more matched. With `intent`, only that intent's events and
   * revocations. Served from the store's per-token index (`refs`): the work is bounded by the
   * events that name the token, never by the size of the log.
   */
  async tokenAudit(
    jti: string,
    options: { intent?: string; limit?: number } = {},
  ): Promise<{ events: AuditEvent[]; truncated: boolean }> {
    const limit = Math.min(Math.max(options.limit ?? 500, 1), 10_000);
    const { intent } = options;
    const [token] = await this.tokens({ jti, limit: 1, ...(intent !== undefined ? { intent } : {}) });
    const refs = token !== undefined ? [jti, token.hash] : [jti];
    const kept: AuditEvent[] = [];
    let matched = 0;
    let afterId = 0;
    for (;;) {
      const page = await this.#io("listAudit", () => this.#store.listAudit({ refs, afterId, limit: 10_000 }));
      for (const e of page) {
        // Revocations are audited without an intent unless they revoke one.
        if (intent !== undefined && e.intent !== intent && e.type !== "revocation") continue;
        matched += 1;
        kept.push(e);
        if (kept.length > limit) kept.shift();
      }
      const last = page[page.length - 1];
      if (page.length < 10_000 || last === undefined) break;
      afterId = last.id;
    }
    return { events: kept, truncated: matched > limit };
  }

  /** Display names of agents (cosmetic, never authority); ids without a name are absent. */
  agentNames(ids: readonly string[]): Promise<Map<string, string>> {
    return this.#io("getAgentNames", () => this.#store.getAgentNames([...ids]));
  }

  /**
   * A read-only source of new audit events and revocations, for pollers that follow changes made
   * by other nodes (`GET /v1/events`). Reads go through the facade (failures are counted).
   */
  changes(): ChangeSource {
    return {
      listAudit: (query) => this.#io("listAudit", () => this.#store.listAudit(query)),
      listRevocations: (query) => this.#io("listRevocations", () => this.#store.listRevocations(query)),
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

  /** `{signer}`: the agent id of the trust-anchor key a recorded root verifies under, if any. */
  #anchorSigner(root: string): { signer?: string } {
    const v = verifyChainStatic([root], this.config.trustAnchors, this.limits, this.#chainCache);
    const id = v.ok ? v.tokens[0]?.anchorKeyId : undefined;
    return id !== undefined ? { signer: id } : {};
  }

  #graphOptions(o: GraphReadOptions): LoadGraphOptions {
    return { ...o, now: o.now ?? this.now() };
  }

  /** The presented chain's compact tokens (at most depth + 1 of them), unverified; [] if unreadable. */
  #presented(presentation: unknown): string[] {
    const p = readPresentation(presentation);
    return p.ok ? p.chain.slice(0, this.limits.maxDelegationDepth + 1) : [];
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

  /**
   * Audits a refused request: its code, a bounded message, the hash of its signing input and a
   * short hint of the jti it claims (the request did not verify, so nothing of it is kept verbatim).
   */
  async #refuseRevocation(
    code: RevocationCode,
    message: string,
    request: unknown,
    jti?: string,
  ): Promise<RevokeResult> {
    await this.#io("appendAudit", () =>
      this.#store.appendAudit({
        type: "revocation_refused",
        data: {
          code,
          message: boundText(message, MAX_AUDIT_MESSAGE),
          ...(typeof request === "string" ? { request_hash: compactHash(request) } : {}),
          ...(jti !== undefined ? { request_jti: boundText(jti, MAX_CLAIMED_ID) } : {}),
        },
      }),
    );
    return { ok: false, code, message: boundText(message, MAX_AUDIT_MESSAGE) };
  }

  async #io<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      this.#notify(operation, e);
      throw new StoreUnavailableError(operation, e);
    }
  }

  #notify(operation: string, error: unknown): void {
    for (const l of this.#listeners) {
      try {
        l(operation, error);
      } catch {
        // a listener must not change the outcome
      }
    }
  }

  #graphSource: GraphSource | undefined;

  /**
   * Read-only graph facts for the delegation graph, `/v1/intents`, the per-token audit view and the
   * live events: the core's `GraphSource` port over this facade's store. A failed read counts as a
   * store error (listeners, metrics) and surfaces as `StoreUnavailableError`, like the facade's
   * other reads; nothing here can write.
   *
   * @example
   * const graph = await loadIntentGraph(trust.graph, "triage-acme-site", { now: trust.now() });
   */
  get graph(): GraphSource {
    this.#graphSource ??= {
      findTokens: (query) => this.#io("findTokens", () => this.#store.findTokens(query)),
      listRevocations: (options) => this.#io("listRevocations", () => this.#store.listRevocations(options)),
      listAudit: (query) => this.#io("listAudit", () => this.#store.listAudit(query)),
      getAgentNames: (agents) => this.#io("getAgentNames", () => this.#store.getAgentNames(agents)),
    };
    return this.#graphSource;
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
