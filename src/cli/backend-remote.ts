/**
 * The remote {@link Backend}: a running Baton service over HTTP (`--server URL`). Answers are
 * validated before use; anything unexpected is a one-line usage error naming the server.
 */
import { z } from "zod";
import type { Graph } from "../core/graph/types.ts";
import {
  DECISION_CODES,
  type Decision,
  type DecisionCode,
  type JsonValue,
  jcs,
  readPresentation,
} from "../core/index.ts";
import type { AuditEvent } from "../trust/index.ts";
import type {
  AuditCheck,
  AuditQuery,
  Backend,
  GraphSubject,
  RecordOutcome,
  RevokeOutcome,
  VerifyCall,
} from "./backend-types.ts";
import { UsageError } from "./errors.ts";
import { validate } from "./io.ts";
import { problemCode, problemMessage, request, unexpectedAnswer } from "./remote.ts";

const PAGE = 1000;

const auditPageSchema = z.object({
  events: z.array(
    z.object({
      id: z.int(),
      at: z.int(),
      type: z.string(),
      intent: z.string().optional(),
      agent: z.string().optional(),
      data: z.record(z.string(), z.unknown()),
      prev_hash: z.string(),
      hash: z.string(),
    }),
  ),
  next: z.int().nullable(),
});

const auditCheckSchema = z.union([
  z.object({ ok: z.literal(true), count: z.int(), head_hash: z.string(), checkpoints: z.json().optional() }),
  z.object({ ok: z.literal(false), id: z.int(), reason: z.string(), message: z.string() }),
]);

/** A whole check can take a while on a large log. */
const CHECK_TIMEOUT_MS = 600_000;
/** Checkpoints per `POST /v1/audit/check`. */
const CHECK_CHUNK = 1000;
const CHECKPOINT_PAGE = 1000;

const checkpointPageSchema = z.object({
  checkpoints: z.array(
    z.object({
      id: z.int(),
      node: z.string(),
      seq: z.int(),
      hash: z.string(),
      at: z.int(),
      jws: z.string(),
    }),
  ),
  next: z.int().nullable(),
});

const recordSchema = z.object({
  recorded: z.int(),
  holder_name: z.string().nullable().optional(),
});

export class RemoteBackend implements Backend {
  readonly audience: string;
  constructor(readonly label: string) {
    this.audience = label.replace(/\/+$/, "");
  }

  async verify(call: VerifyCall): Promise<Decision> {
    // The service takes the presentation's members flat in the body; a presentation that is not even
    // {aat_chain, aat_pop} is decided here exactly as the verifier would (step 1), not sent.
    const p = readPresentation(call.presentation);
    if (!p.ok) {
      return {
        allow: false,
        code: "malformed_presentation",
        step: "1",
        token: null,
        message: p.message,
        intent: null,
        holder: null,
      };
    }
    const body: Record<string, JsonValue> = {
      aat_chain: p.chain,
      aat_pop: p.pop,
      tool: call.tool,
      args: call.args,
    };
    if (call.approval !== undefined) body.approval = call.approval;
    const r = await request(this.label, "POST", "/v1/verify", body);
    const d = r.status === 200 ? readDecision(r.body) : null;
    if (!d) throw unexpectedAnswer(this.label, r);
    return d;
  }

  async record(chain: readonly string[], holderName?: string): Promise<RecordOutcome> {
    const r = await request(this.label, "POST", "/v1/tokens", {
      aat_chain: chain,
      ...(holderName !== undefined ? { holder_name: holderName } : {}),
    });
    if (r.status === 422) {
      return { ok: false, code: problemCode(r) ?? "chain_refused", message: problemMessage(r) };
    }
    if (r.status !== 200) throw unexpectedAnswer(this.label, r);
    const b = validate(recordSchema, r.body, `${this.label} /v1/tokens`);
    return { ok: true, recorded: b.recorded, holderName: b.holder_name ?? null };
  }

  async revoke(signed: string): Promise<RevokeOutcome> {
    const r = await request(this.label, "POST", "/v1/revocations", { request: signed });
    if (r.status === 200 || r.status === 201) {
      return { ok: true, created: r.status === 201, record: r.body as Record<string, unknown> };
    }
    if (r.status === 403) {
      return { ok: false, code: problemCode(r) ?? "revocation_refused", message: problemMessage(r) };
    }
    throw unexpectedAnswer(this.label, r);
  }

  async *auditEvents(query: AuditQuery): AsyncIterable<AuditEvent> {
    let after = 0;
    for (;;) {
      const q = new URLSearchParams({ after: String(after), limit: String(PAGE) });
      for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
      const r = await request(this.label, "GET", `/v1/audit?${q}`);
      if (r.status !== 200) throw unexpectedAnswer(this.label, r);
      const page = validate(auditPageSchema, r.body, `${this.label} /v1/audit`) as {
        events: AuditEvent[];
        next: number | null;
      };
      yield* page.events;
      if (page.next === null) return;
      after = page.next;
    }
  }

  async *exportAudit(query: AuditQuery): AsyncIterable<string> {
    for await (const e of this.auditEvents(query)) yield `${jcs(e)}\n`;
  }

  async checkAudit(checkpoints: readonly string[] = []): Promise<AuditCheck> {
    // A whole check can take a while on a large log; the service keeps serving meanwhile.
    const chunks: (string[] | null)[] = checkpoints.length === 0 ? [null] : [];
    for (let i = 0; i < checkpoints.length; i += CHECK_CHUNK)
      chunks.push(checkpoints.slice(i, i + CHECK_CHUNK));
    let result: AuditCheck | undefined;
    for (const chunk of chunks) {
      const r =
        chunk === null
          ? await request(this.label, "GET", "/v1/audit/check", undefined, CHECK_TIMEOUT_MS)
          : await request(this.label, "POST", "/v1/audit/check", { checkpoints: chunk }, CHECK_TIMEOUT_MS);
      if (r.status !== 200) throw unexpectedAnswer(this.label, r);
      result = validate(auditCheckSchema, r.body, `${this.label} /v1/audit/check`) as AuditCheck;
      if (!result.ok) break;
    }
    return result as AuditCheck;
  }

  async *auditCheckpoints(): AsyncIterable<Record<string, JsonValue>> {
    let after = 0;
    for (;;) {
      const r = await request(
        this.label,
        "GET",
        `/v1/audit/checkpoints?after=${after}&limit=${CHECKPOINT_PAGE}`,
      );
      if (r.status !== 200) throw unexpectedAnswer(this.label, r);
      const page = validate(checkpointPageSchema, r.body, `${this.label} /v1/audit/checkpoints`);
      for (const c of page.checkpoints) yield c;
      if (page.next === null) return;
      after = page.next;
    }
  }

  async graph(subject: GraphSubject): Promise<Graph | null> {
    const query =
      "intent" in subject
        ? `intent=${encodeURIComponent(subject.intent)}`
        : `agent=${encodeURIComponent(subject.agent)}`;
    const r = await request(this.label, "GET", `/v1/graph?${query}`);
    if (r.status === 404) return null;
    if (r.status !== 200) throw unexpectedAnswer(this.label, r);
    if (!isGraph(r.body))
      throw new UsageError(`${this.label} answered /v1/graph with something that is not a graph`);
    return r.body;
  }

  async agentNames(ids: readonly string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    await Promise.all(
      [...new Set(ids)].map(async (id) => {
        const r = await request(this.label, "GET", `/v1/agents/${encodeURIComponent(id)}`);
        if (r.status === 404) return;
        if (r.status !== 200) throw unexpectedAnswer(this.label, r);
        const b = r.body;
        if (
          b !== null &&
          typeof b === "object" &&
          !Array.isArray(b) &&
          typeof b.name === "string" &&
          b.name
        ) {
          names.set(id, b.name);
        }
      }),
    );
    return names;
  }

  async close(): Promise<void> {}
}

function isGraph(v: unknown): v is Graph {
  const g = v as Partial<Graph> | null;
  return (
    g !== null &&
    typeof g === "object" &&
    Array.isArray(g.nodes) &&
    Array.isArray(g.edges) &&
    Array.isArray(g.findings) &&
    typeof g.summary === "object"
  );
}

/** A decision as the service returns it; null when the body is not one. */
function readDecision(b: JsonValue): Decision | null {
  if (b === null || typeof b !== "object" || Array.isArray(b)) return null;
  if (typeof b.allow !== "boolean" || typeof b.code !== "string" || !Object.hasOwn(DECISION_CODES, b.code))
    return null;
  const d: Decision = {
    allow: b.allow,
    code: b.code as DecisionCode,
    step: typeof b.step === "string" ? b.step : null,
    token: typeof b.token === "number" ? b.token : null,
    message: typeof b.message === "string" ? b.message : "",
    intent: typeof b.intent === "string" ? b.intent : null,
    holder: typeof b.holder === "string" ? b.holder : null,
  };
  if (b.detail !== null && typeof b.detail === "object" && !Array.isArray(b.detail)) d.detail = b.detail;
  return d;
}
