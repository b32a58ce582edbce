/**
 * The one storage interface behind Baton: revocations, the registry of issued tokens, the audit
 * log, the permit ledger (PoP replay keys and usage counters), nonces and agent display names.
 *
 * Three implementations pass the same contract suite (`test/store/contract.ts`): `MemoryStore`
 * (tests, demo), `SqliteStore` (embedded default) and `PostgresStore` (several nodes sharing state).
 * Open one with `openStore()` from `./open.ts`.
 *
 * Units: token times (`iat`, `exp`, `tokenExp`, replay `expiresAt`, nonce expiry and every `now`
 * passed in) are unix seconds, like the core's clock; record timestamps (`revokedAt`, `recordedAt`,
 * audit `at`) are unix milliseconds.
 */
import type { AuditCheckResult, AuditHead } from "../core/audit/chain.ts";
import type { AuditCheckpoint } from "../core/audit/checkpoint.ts";
import type { AuditEvent, AuditEventType, AuditInput } from "../core/audit/event.ts";
import type { LedgerResult, RevocationTarget, UsageCharge } from "../core/ports.ts";

export type {
  AuditBreak,
  AuditBreakReason,
  AuditCheckResult,
  AuditHead,
} from "../core/audit/chain.ts";
export type { AuditCheckpoint } from "../core/audit/checkpoint.ts";
export type { AuditEvent, AuditEventType, AuditInput } from "../core/audit/event.ts";

/** What `addRevocation` takes. `tokenExp` (unix s) lets a token revocation be pruned once expired. */
export interface RevocationInput {
  target: RevocationTarget;
  reason?: string;
  /** Who asked for it: the requester's thumbprint URI, or e.g. `cli:<user>`. */
  actor?: string;
  /** jti of the signed revocation request, kept as evidence. */
  requestJti?: string;
  /** For token targets: the token's exp (unix s); without it the entry is never pruned. */
  tokenExp?: number;
}

/** A stored revocation. `seq` increases strictly in commit order and is never reused. */
export interface RevocationRecord {
  seq: number;
  target: RevocationTarget;
  reason?: string;
  actor?: string;
  requestJti?: string;
  tokenExp?: number;
  /** Unix ms. */
  revokedAt: number;
}

export interface AddRevocationResult {
  record: RevocationRecord;
  /** false when the target was already revoked: the first record is returned unchanged. */
  created: boolean;
}

/** A token as recorded in the registry (the delegation graph). Keyed by `hash`. */
export interface TokenInput {
  /** `sha256:<b64url>` of the signing input: the value a child's par_hash holds. */
  hash: string;
  jti: string;
  /** par_hash; absent for a root. */
  parentHash?: string;
  issuer: string;
  holder: string;
  intent?: string;
  depth: number;
  /** Unix s. */
  iat: number;
  /** Unix s. */
  exp: number;
  /** The compact JWS. */
  token: string;
  /** Its decoded payload (a JSON object). */
  payload: Record<string, unknown>;
}

export interface TokenRecord extends TokenInput {
  /** Unix ms. */
  recordedAt: number;
}

export interface RecordTokenResult {
  record: TokenRecord;
  /** false when a token with this hash was already recorded (the stored record is returned). */
  created: boolean;
}

/** Every given field must match; `agent` matches the issuer or the holder. */
export interface TokenQuery {
  intent?: string;
  agent?: string;
  jti?: string;
  /** The children of a token (its hash, as their par_hash). */
  parentHash?: string;
  /** Default 1000, at most 10 000. Ordered by recordedAt, then hash. */
  limit?: number;
}

/** Filters of audit listings and exports; all given fields must match. */
export interface AuditFilter {
  intent?: string;
  agent?: string;
  type?: AuditEventType;
  /** Unix ms, inclusive. */
  from?: number;
  /** Unix ms, exclusive. */
  to?: number;
  /**
   * Events that concern any of these token jtis or `sha256:` token hashes (a decision naming it
   * in its chain, its `token_recorded` event, a revocation targeting it). Served from an index.
   */
  refs?: readonly string[];
}

export interface AuditQuery extends AuditFilter {
  /** Events with id > afterId (paging cursor: the last id of the previous page). */
  afterId?: number;
  /** Default 1000, at most 10 000. */
  limit?: number;
}

export interface AuditCheckOptions {
  /** Checkpoint JWSs kept outside the store (an export): held against the log like stored ones. */
  checkpoints?: readonly string[];
  /**
   * Accept only checkpoints signed by these node ids (default: any self-certifying one). The
   * facade passes this node's own id plus `audit.trustedNodes`.
   */
  trustedNodes?: ReadonlySet<string>;
  /**
   * Report `checkpoints.stalled` when this node's latest checkpoint lags the head by more than
   * `everyEvents` events and is older than twice `intervalMs` (a node that stopped signing).
   */
  stall?: { node: string; everyEvents: number; intervalMs: number; now: number };
}

/** Who signs a store's checkpoints and how often (reported by `Store.checkpointSigner`). */
export interface CheckpointSigner {
  /** The node id (the node key's thumbprint URI). */
  node: string;
  everyEvents: number;
  intervalMs: number;
}

/** A stored checkpoint; `id` orders them by insertion. */
export interface AuditCheckpointRecord extends AuditCheckpoint {
  id: number;
}

export interface CheckpointQuery {
  /** Checkpoints with row id > afterId (paging cursor). */
  afterId?: number;
  /** Only this node's. */
  node?: string;
  /** Default 1000, at most 10 000. */
  limit?: number;
}

/** What the verifier hands to `commitPermit`: the `PermitLedger.commit` entry of ports.ts. */
export interface PermitEntry {
  replay?: { key: string; expiresAt: number };
  usage: UsageCharge[];
}

/** What a change signal may carry: enough to deny at once, before the catch-up confirms it. */
export interface RevocationSignalled {
  seq: number;
  target: RevocationTarget;
  reason?: string;
  tokenExp?: number;
}

/** Signals a revocation feed sends to its consumer (normally a `RevocationState`). */
export interface RevocationFeedEvents {
  /**
   * A revocation was committed: `seq` when the signal carries it, and the revocation itself when it
   * fits in the signal. A consumer may apply that at once (revoking early is the safe direction),
   * but only a catch-up by seq advances its position, so nothing is skipped on a forged or lost signal.
   */
  onChange(seq: number | undefined, revocation?: RevocationSignalled): void;
  /** The feed is (again) connected: catch up now. */
  onConnect(): void;
  /** The feed lost its connection; it reconnects by itself until closed. */
  onDisconnect(error: Error): void;
}

/**
 * One node's live view of the revocation table. For PostgreSQL it is a dedicated connection that
 * LISTENs and also runs `fetch`, so a lost connection stops syncing (and the node goes stale)
 * instead of silently polling around a dead notification channel.
 */
export interface RevocationFeed {
  /** Revocations with seq > afterSeq, ascending, at most `limit`. Rejects while disconnected. */
  fetch(afterSeq: number, limit: number): Promise<RevocationRecord[]>;
  close(): Promise<void>;
}

export interface Store {
  readonly backend: "memory" | "sqlite" | "postgres";

  // Revocations: permanent and idempotent.
  addRevocation(input: RevocationInput): Promise<AddRevocationResult>;
  getRevocation(target: RevocationTarget): Promise<RevocationRecord | null>;
  /** Ascending by seq. `limit` defaults to 1000, at most 10 000. */
  listRevocations(options?: { afterSeq?: number; limit?: number }): Promise<RevocationRecord[]>;
  /** Deletes token revocations with tokenExp + skew < now (unix s); agent and intent ones stay. */
  pruneRevocations(options: { now: number; skew?: number }): Promise<number>;
  openRevocationFeed(events: RevocationFeedEvents): RevocationFeed;

  // Token registry.
  recordToken(input: TokenInput): Promise<RecordTokenResult>;
  getToken(hash: string): Promise<TokenRecord | null>;
  findTokens(query: TokenQuery): Promise<TokenRecord[]>;

  // Audit log: a hash chain.
  appendAudit(input: AuditInput): Promise<AuditEvent>;
  listAudit(query?: AuditQuery): Promise<AuditEvent[]>;
  /** The head row: last id and hash. */
  auditHead(): Promise<AuditHead>;
  /**
   * Walks the whole chain in bounded pages, yielding between them, and holds it against every
   * signed checkpoint; reports the first broken event, a rewritten event or a cut-off tail.
   */
  checkAudit(options?: AuditCheckOptions): Promise<AuditCheckResult>;
  /** Who signs this store's checkpoints and on what schedule; null when it signs none. */
  readonly checkpointSigner: CheckpointSigner | null;
  /**
   * Stores a signed head checkpoint (outside the events table); idempotent per node and seq. A
   * different JWS for a stored node and seq throws `CheckpointInvalidError`.
   */
  addAuditCheckpoint(checkpoint: AuditCheckpoint): Promise<void>;
  /** Stored checkpoints in insertion order. */
  listAuditCheckpoints(query?: CheckpointQuery): Promise<AuditCheckpointRecord[]>;
  /**
   * The checkpoint with the highest seq signed by `node`, or null. Its JWS is verified and its
   * columns must equal the signed payload, else `CheckpointInvalidError` (checkpoint_invalid).
   */
  latestAuditCheckpoint(node: string): Promise<AuditCheckpointRecord | null>;
  /** Writes a checkpoint now when the store signs them and the head moved; null otherwise. */
  checkpointAudit(): Promise<AuditCheckpoint | null>;
  /** JSON Lines, one event per string (each ending in "\n"), ascending by id. */
  exportAudit(filter?: AuditFilter): AsyncIterable<string>;

  // Permit ledger (ports.ts `PermitLedger`), atomic.
  commitPermit(entry: PermitEntry): Promise<LedgerResult>;
  /** Deletes replay keys with expiresAt <= now and nonces with expiresAt <= now. */
  pruneReplay(options: { now: number }): Promise<number>;

  // Nonces issued by this enforcement point (see `NonceBook`).
  putNonce(nonce: string, expiresAt: number): Promise<void>;
  /** True when the nonce was issued and expiresAt > now. */
  hasNonce(nonce: string, now: number): Promise<boolean>;

  // Agent display names (optional, cosmetic).
  setAgentName(agent: string, name: string | null): Promise<void>;
  /** All names, or those of the given agents. */
  getAgentNames(agents?: string[]): Promise<Map<string, string>>;

  close(): Promise<void>;
}
