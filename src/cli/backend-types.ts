/**
 * The types of the CLI's one door to Baton's state (see `backend.ts`): what a {@link Backend} takes
 * and answers. Kept apart so the two implementations depend on these types, not on the module that
 * loads them.
 */
import type { Graph } from "../core/graph/types.ts";
import type { Decision, JsonValue } from "../core/index.ts";
import type { AuditEvent } from "../trust/index.ts";

/** One call to decide. */
export interface VerifyCall {
  presentation: JsonValue;
  tool: string;
  args: Record<string, JsonValue>;
  approval?: string;
  /** Unix seconds (local only: a service uses its own clock). */
  now?: number;
}

export type RecordOutcome =
  | { ok: true; recorded: number; holderName: string | null }
  | { ok: false; code: string; message: string };

export type RevokeOutcome =
  | { ok: true; created: boolean; record: Record<string, unknown> }
  | { ok: false; code: string; message: string };

export interface AuditQuery {
  intent?: string;
  agent?: string;
  /** Unix ms, inclusive. */
  from?: number;
  /** Unix ms, exclusive. */
  to?: number;
}

/** `audit check` in the HTTP API's spelling. */
export type AuditCheck =
  | { ok: true; count: number; head_hash: string; checkpoints?: JsonValue }
  | { ok: false; id: number; reason: string; message: string };

export type GraphSubject = { intent: string } | { agent: string };

export interface GraphQuery {
  /** Unix seconds (local only). */
  now?: number;
  /** Seconds beyond which a derived token is flagged (local only). */
  maxDerivedTtl?: number;
}

export interface Backend {
  /** Where requests go, for messages: `http://127.0.0.1:7420` or `database data/baton.db`. */
  readonly label: string;
  /** The service's id that signed requests (revocations) name as `aud`: the configured audience, or the service URL. */
  readonly audience: string;
  verify(call: VerifyCall): Promise<Decision>;
  /** Verifies a chain statically and records its tokens (`holderName`: the leaf holder's display name). */
  record(chain: readonly string[], holderName?: string): Promise<RecordOutcome>;
  /** Submits a signed revocation request (compact JWS). */
  revoke(request: string): Promise<RevokeOutcome>;
  /** Every matching audit event, oldest first. */
  auditEvents(query: AuditQuery): AsyncIterable<AuditEvent>;
  /** Every matching event as one JCS line ending in "\n", oldest first. */
  exportAudit(query: AuditQuery): AsyncIterable<string>;
  /** Walks the chain and holds it against the stored checkpoints and `checkpoints` (compact JWSs). */
  checkAudit(checkpoints?: readonly string[]): Promise<AuditCheck>;
  /** Every stored audit checkpoint, oldest first. */
  auditCheckpoints(): AsyncIterable<Record<string, JsonValue>>;
  /** The delegation graph, or null when no token of the subject is known. */
  graph(subject: GraphSubject, query?: GraphQuery): Promise<Graph | null>;
  /** Display names of those of `ids` that have one. */
  agentNames(ids: readonly string[]): Promise<Map<string, string>>;
  close(): Promise<void>;
}

/** What a local backend is opened with beyond `--db`, `--config` and `--trust` (see `backend-local.ts`). */
export interface LocalBackendOptions {
  /** Use an in-process store that forgets everything when the command ends, unless --db/--config is given. */
  ephemeralUnlessDb?: boolean;
  /** Configuration on top of file and environment (CLI flags of the command). */
  overrides?: Record<string, unknown>;
  /** Create the database when it does not exist (recording); reads and verifications refuse instead. */
  create?: boolean;
  /** Nonces this enforcement point accepts (verify --accept-nonce). */
  nonces?: readonly string[];
}
