/**
 * The facade's data types: what its methods take and give. Edges (the service, the CLI) speak in
 * these, never in store rows.
 */
import type { ApprovalGate, Decision, RequestPolicy } from "../core/chain/options.ts";
import type { JsonValue } from "../core/constraints/index.ts";
import type { DecisionCode } from "../core/errors.ts";
import type { FindingOptions } from "../core/graph/types.ts";
import type { NonceCheck } from "../core/ports.ts";
import type { RevocationCode } from "../core/revocation/index.ts";
import type { RevocationState } from "../store/revocation-state.ts";
import type {
  AuditCheckpointRecord,
  AuditEvent,
  AuditFilter,
  RevocationRecord,
  Store,
} from "../store/types.ts";

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

/** One page of the stored audit checkpoints. */
export interface CheckpointPage {
  checkpoints: AuditCheckpointRecord[];
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

/** Options of the facade's graph reads: the finding thresholds, and the time statuses are computed for. */
export interface GraphReadOptions extends FindingOptions {
  /** Unix seconds; default the facade's clock. */
  now?: number;
}

/** What a poller of new audit events and revocations reads (see `Trust.changes`). */
export type ChangeSource = Pick<Store, "listAudit" | "listRevocations">;
