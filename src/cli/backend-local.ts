/**
 * The local {@link Backend}: the trust facade over the configured database (`--db PATH`, `--config`,
 * `BATON_*`), exactly as the service would open it. So a local `verify` sees the revocations a local
 * `revoke` made, consumes the PoP in that database's ledger and writes the audit event.
 */
import type { Graph } from "../core/graph/types.ts";
import type { Decision, JsonValue } from "../core/index.ts";
import type { AuditEvent, RevocationRecord, Trust } from "../trust/index.ts";
import type {
  AuditCheck,
  AuditQuery,
  Backend,
  GraphQuery,
  GraphSubject,
  LocalBackendOptions,
  RecordOutcome,
  RevokeOutcome,
  VerifyCall,
} from "./backend-types.ts";
import type { ParsedArgs } from "./command.ts";
import type { CliContext } from "./context.ts";
import { openLocalTrust } from "./local-trust.ts";

const PAGE = 1000;

export async function openLocalBackend(
  args: ParsedArgs,
  ctx: CliContext,
  options: LocalBackendOptions,
): Promise<Backend> {
  const nonces = options.nonces ?? [];
  const trust = await openLocalTrust(args, ctx, {
    ...(options.ephemeralUnlessDb ? { ephemeralUnlessDb: true } : {}),
    ...(options.create ? { create: true } : {}),
    ...(options.overrides ? { overrides: options.overrides } : {}),
    ...(nonces.length > 0
      ? { trustOptions: { nonces: { accepts: (n: string) => nonces.includes(n) } } }
      : {}),
  });
  return new LocalBackend(trust);
}

export class LocalBackend implements Backend {
  readonly label: string;
  readonly audience: string;
  constructor(readonly trust: Trust) {
    const aud = trust.config.audience;
    this.audience = typeof aud === "string" ? aud : (aud[0] as string);
    const s = trust.config.store;
    this.label =
      s.url === "memory:"
        ? "an in-process store"
        : s.url !== undefined
          ? "the PostgreSQL database"
          : `database ${s.path ?? "./data/baton.db"}`;
  }

  verify(call: VerifyCall): Promise<Decision> {
    return this.trust.verify({
      presentation: call.presentation,
      tool: call.tool,
      args: call.args,
      ...(call.approval !== undefined ? { approval: call.approval } : {}),
      ...(call.now !== undefined ? { now: call.now } : {}),
    });
  }

  async record(chain: readonly string[], holderName?: string): Promise<RecordOutcome> {
    const r = await this.trust.recordChain([...chain], holderName !== undefined ? { holderName } : {});
    return r.ok
      ? { ok: true, recorded: r.recorded, holderName: r.holderName }
      : { ok: false, code: r.code, message: r.message };
  }

  async revoke(request: string): Promise<RevokeOutcome> {
    const r = await this.trust.revoke(request);
    return r.ok ? { ok: true, created: r.created, record: recordJson(r.record) } : r;
  }

  async *auditEvents(query: AuditQuery): AsyncIterable<AuditEvent> {
    let after = 0;
    for (;;) {
      const page = await this.trust.audit({ ...query, after, limit: PAGE });
      yield* page.events;
      if (page.next === null) return;
      after = page.next;
    }
  }

  exportAudit(query: AuditQuery): AsyncIterable<string> {
    return this.trust.exportAudit(query);
  }

  async checkAudit(checkpoints: readonly string[] = []): Promise<AuditCheck> {
    const r = await this.trust.checkAudit({ checkpoints: [...checkpoints] });
    return r.ok
      ? {
          ok: true,
          count: r.count,
          head_hash: r.headHash,
          checkpoints: r.checkpoints as unknown as JsonValue,
        }
      : { ok: false, id: r.id, reason: r.reason, message: r.message };
  }

  async *auditCheckpoints(): AsyncIterable<Record<string, JsonValue>> {
    let after = 0;
    for (;;) {
      const page = await this.trust.auditCheckpoints({ after, limit: 1000 });
      for (const c of page.checkpoints) yield { ...c };
      if (page.next === null) return;
      after = page.next;
    }
  }

  graph(subject: GraphSubject, query: GraphQuery = {}): Promise<Graph | null> {
    const options = {
      now: query.now ?? this.trust.now(),
      ...(query.maxDerivedTtl !== undefined ? { maxDerivedTtl: query.maxDerivedTtl } : {}),
    };
    return "intent" in subject
      ? this.trust.intentGraph(subject.intent, options)
      : this.trust.agentGraph(subject.agent, options);
  }

  agentNames(ids: readonly string[]): Promise<Map<string, string>> {
    return this.trust.agentNames(ids);
  }

  close(): Promise<void> {
    return this.trust.close();
  }
}

/** A revocation record as the HTTP API spells it, so --json is the same with --server and --db. */
function recordJson(r: RevocationRecord): Record<string, unknown> {
  return {
    seq: r.seq,
    target: { kind: r.target.kind, id: r.target.id },
    reason: r.reason ?? null,
    actor: r.actor ?? null,
    request_jti: r.requestJti ?? null,
    token_exp: r.tokenExp ?? null,
    revoked_at: r.revokedAt,
  };
}
