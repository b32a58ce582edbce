/**
 * The HTTP client of a Baton service.
 *
 * - `verify`: `POST {url}/v1/verify` with `{aat_chain, aat_pop, tool, args, approval?}`; the
 *   service answers 200 with the decision for a permit and a denial alike. Fails closed: an
 *   unreachable service, a timeout or an unexpected answer is a `verification_unavailable` denial,
 *   never a permit and never an exception. Arguments JSON cannot represent as they are
 *   (`Infinity`, `-0`, `undefined`, a `Date`…) are refused before anything is sent
 *   (`args_rejected`, see `json-args.ts`).
 * - `record`: `POST /v1/tokens`, registers a chain's tokens (for the graph and revocation cascade).
 * - `revoke`: signs the revocation request with the given key and `POST`s it to `/v1/revocations`.
 * - `approvals`: `GET /v1/approvals`, the calls waiting for a step-up approval.
 *
 * The last three answer `{ ok: true, … }` or `{ ok: false, status, code, message }` (`status` 0
 * when the service did not answer); they never throw for what the service or the network does.
 *
 * @example
 * const baton = new TrustClient({ url: "https://baton.internal:8443" });
 * const d = await baton.verify({ presentation, tool: "deploy", args: { env: "prod" } });
 * await baton.record(chain);
 * const r = await baton.revoke({ key: orchestrator, target: { kind: "token", id: jti }, chain });
 */

import { readPresentation } from "../core/chain/verify.ts";
import { type Decision, deny } from "../core/decision/decision.ts";
import { decisionFromJSON } from "../core/decision/json.ts";
import { escapeText } from "../core/display.ts";
import { DECISION_CODES, type DecisionCode } from "../core/errors.ts";
import type { AgentKey } from "../core/keys/agent-key.ts";
import type { RevocationTarget } from "../core/ports.ts";
import { createRevocationRequest } from "../core/revocation/request.ts";
import { assertAllowed } from "./errors.ts";
import { nonJsonArgument, nonJsonDenial } from "./json-args.ts";
import type { BatonVerifier, VerifyRequest } from "./verifier.ts";

export interface TrustClientOptions {
  /** Base URL of the service, e.g. `https://baton.internal:8443`. */
  url: string;
  /** Extra headers (e.g. authorization for the service). */
  headers?: Record<string, string>;
  /** Milliseconds before the call is given up (and denied). Default 5000. */
  timeoutMs?: number;
  /** The fetch implementation; default the global one. */
  fetch?: typeof fetch;
  /**
   * The service's id (its configured `audience`), which signed revocation requests name as `aud`.
   * Default: the origin of `url` (the service's own default audience is `http://HOST:PORT`).
   */
  audience?: string;
}

/** Why a service call did not succeed: the problem's `code` (or `unreachable` / `bad_answer`) and HTTP status (0: no answer). */
export interface ServiceFailure {
  ok: false;
  status: number;
  code: string;
  message: string;
}

/** One token of a recorded chain, as the service stored it. */
export interface RecordedToken {
  jti: string;
  /** `sha256:<b64url>` of the token's signing input. */
  hash: string;
  issuer: string;
  holder: string;
  intent: string | null;
  depth: number;
  /** False when the service already held it. */
  created: boolean;
}

export type RecordResult = { ok: true; recorded: number; tokens: RecordedToken[] } | ServiceFailure;

/** A stored revocation (permanent; `seq` is commit order). */
export interface Revocation {
  seq: number;
  target: RevocationTarget;
  reason: string | null;
  actor: string | null;
  request_jti: string | null;
  token_exp: number | null;
  /** Unix milliseconds. */
  revoked_at: number;
}

/** `created` is false when the target was already revoked (revocation is idempotent). */
export type RevokeResult = { ok: true; created: boolean; revocation: Revocation } | ServiceFailure;

export interface RevokeOptions {
  /** The signer: an `Agent` (or its `AgentKey`) the chain places above the target, an anchor or an admin key. */
  key: AgentKey | { key: AgentKey };
  target: RevocationTarget;
  /** Root first, down to (and including) the target token; or a chain of the intent or agent. */
  chain: readonly string[];
  reason?: string;
  /** Unix seconds; default now. */
  now?: number;
  /** The `aud` of the request; default the client's `audience`. */
  audience?: string;
}

/** A call waiting for a step-up approval (what an approval must bind, not the arguments). */
export interface PendingApprovalEntry {
  /** b64url SHA-256 of the compact PoP: what the approval signs. */
  pop_hash: string;
  tool: string;
  args_hash: string;
  intent: string | null;
  holder: string | null;
  reason: string;
  at: number;
  expires_at: number;
}

export type ApprovalsResult = { ok: true; approvals: PendingApprovalEntry[] } | ServiceFailure;

export class TrustClient implements BatonVerifier {
  private readonly base: string;
  private readonly endpoint: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly audience: string;

  constructor(o: TrustClientOptions) {
    this.base = o.url.endsWith("/") ? o.url : `${o.url}/`;
    this.endpoint = new URL("v1/verify", this.base).toString();
    this.headers = { ...o.headers, "content-type": "application/json", accept: "application/json" };
    this.timeoutMs = o.timeoutMs ?? 5000;
    this.fetchFn = o.fetch ?? fetch;
    this.audience = o.audience ?? new URL(this.base).origin;
  }

  async verify(request: VerifyRequest): Promise<Decision> {
    const pres = readPresentation(request.presentation);
    if (!pres.ok) return denial("malformed_presentation", "1", pres.message);
    // What is sent is JSON: a value JSON would change (Infinity → null) would be verified as
    // something other than what the handler runs on.
    const bad = nonJsonArgument(request.args);
    if (bad) return nonJsonDenial(bad, request.tool);
    const body = {
      aat_chain: pres.chain,
      aat_pop: pres.pop,
      tool: request.tool,
      args: request.args,
      ...(request.approval !== undefined ? { approval: request.approval } : {}),
    };
    let res: Response;
    try {
      res = await this.fetchFn(this.endpoint, {
        method: "POST",
        headers: this.headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      return denial(
        "verification_unavailable",
        "B0",
        `the Baton service did not answer: ${(e as Error).message}`,
      );
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      return denial(
        "verification_unavailable",
        "B0",
        `the Baton service answered ${res.status} without JSON`,
      );
    }
    if (res.status === 200) {
      const d = decisionFromJSON(json);
      if (d.ok) return d.decision;
      return denial(
        "verification_unavailable",
        "B0",
        "the Baton service answered 200 without a consistent decision",
      );
    }
    const p = json as { code?: unknown; detail?: unknown; step?: unknown; token?: unknown } | null;
    const code = typeof p?.code === "string" ? p.code : "unknown";
    const detail = typeof p?.detail === "string" ? p.detail : "";
    // A problem whose code is a decision code (e.g. a 422 chain refusal) keeps it; anything else
    // (400 schema errors, 401/403 from the service's own auth, 5xx) is "could not verify".
    if (code in DECISION_CODES && code !== "permitted") {
      return denial(
        code as Exclude<DecisionCode, "permitted">,
        typeof p?.step === "string" ? p.step : null,
        detail || code,
        p?.token,
      );
    }
    return denial(
      "verification_unavailable",
      "B0",
      `the Baton service answered ${res.status} ${code}${detail ? `: ${detail}` : ""}`,
    );
  }

  /** Like `verify`, but throws `BatonDenied` on a denial. */
  async verifyOrThrow(request: VerifyRequest): Promise<Decision> {
    return assertAllowed(await this.verify(request));
  }

  /** Records a chain's tokens with the service (`POST /v1/tokens`); the service verifies it statically first. */
  async record(chain: readonly string[]): Promise<RecordResult> {
    const r = await this.call("POST", "v1/tokens", { aat_chain: [...chain] });
    if (!r.ok) return r;
    const b = r.body as { recorded?: unknown; tokens?: unknown };
    if (
      r.status === 200 &&
      Number.isInteger(b?.recorded) &&
      Array.isArray(b.tokens) &&
      b.tokens.every(isRecordedToken)
    ) {
      return { ok: true, recorded: b.recorded as number, tokens: b.tokens };
    }
    return failure(r.status, r.body);
  }

  /** Signs a revocation request with `key` and sends it (`POST /v1/revocations`). */
  async revoke(o: RevokeOptions): Promise<RevokeResult> {
    const key = "key" in o.key ? o.key.key : o.key;
    const request = createRevocationRequest({
      key,
      target: o.target,
      chain: o.chain,
      audience: o.audience ?? this.audience,
      now: o.now ?? Math.floor(Date.now() / 1000),
      ...(o.reason !== undefined ? { reason: o.reason } : {}),
    });
    const r = await this.call("POST", "v1/revocations", { request });
    if (!r.ok) return r;
    if ((r.status === 200 || r.status === 201) && isRevocation(r.body)) {
      return { ok: true, created: r.status === 201, revocation: r.body };
    }
    return failure(r.status, r.body);
  }

  /** The calls waiting for an approval (`GET /v1/approvals`; the service may require credentials). */
  async approvals(): Promise<ApprovalsResult> {
    const r = await this.call("GET", "v1/approvals");
    if (!r.ok) return r;
    const b = r.body as { approvals?: unknown };
    if (r.status === 200 && Array.isArray(b?.approvals) && b.approvals.every(isPendingApproval)) {
      return { ok: true, approvals: b.approvals };
    }
    return failure(r.status, r.body);
  }

  private async call(
    method: "GET" | "POST",
    path: string,
    body?: unknown,
  ): Promise<{ ok: true; status: number; body: unknown } | ServiceFailure> {
    const url = new URL(path, this.base).toString();
    const { "content-type": _json, ...noBody } = this.headers;
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method,
        headers: body === undefined ? noBody : this.headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      return {
        ok: false,
        status: 0,
        code: "unreachable",
        message: `the Baton service did not answer: ${(e as Error).message}`,
      };
    }
    try {
      return { ok: true, status: res.status, body: await res.json() };
    } catch {
      return {
        ok: false,
        status: res.status,
        code: "bad_answer",
        message: `the Baton service answered ${res.status} without JSON`,
      };
    }
  }
}

/** A non-success answer as data: the problem's code and detail when it has them. */
function failure(status: number, body: unknown): ServiceFailure {
  const p = body as { code?: unknown; detail?: unknown; title?: unknown } | null;
  const code = typeof p?.code === "string" ? p.code : "bad_answer";
  const detail = typeof p?.detail === "string" ? p.detail : typeof p?.title === "string" ? p.title : "";
  return {
    ok: false,
    status,
    code,
    message: `the Baton service answered ${status} ${code}${detail ? `: ${detail}` : ""}`,
  };
}

const isStr = (v: unknown): v is string => typeof v === "string";
const isStrOrNull = (v: unknown): v is string | null => v === null || typeof v === "string";
const isIntOrNull = (v: unknown): v is number | null => v === null || Number.isInteger(v);

function isRecordedToken(v: unknown): v is RecordedToken {
  const t = v as Partial<Record<keyof RecordedToken, unknown>> | null;
  return (
    t !== null &&
    typeof t === "object" &&
    isStr(t.jti) &&
    isStr(t.hash) &&
    isStr(t.issuer) &&
    isStr(t.holder) &&
    isStrOrNull(t.intent) &&
    Number.isInteger(t.depth) &&
    typeof t.created === "boolean"
  );
}

function isRevocation(v: unknown): v is Revocation {
  const r = v as Partial<Record<keyof Revocation, unknown>> | null;
  const target = r?.target as { kind?: unknown; id?: unknown } | undefined;
  return (
    r !== null &&
    typeof r === "object" &&
    Number.isInteger(r.seq) &&
    typeof target === "object" &&
    (target.kind === "token" || target.kind === "agent" || target.kind === "intent") &&
    isStr(target.id) &&
    isStrOrNull(r.reason) &&
    isStrOrNull(r.actor) &&
    isStrOrNull(r.request_jti) &&
    isIntOrNull(r.token_exp) &&
    Number.isInteger(r.revoked_at)
  );
}

function isPendingApproval(v: unknown): v is PendingApprovalEntry {
  const a = v as Partial<Record<keyof PendingApprovalEntry, unknown>> | null;
  return (
    a !== null &&
    typeof a === "object" &&
    isStr(a.pop_hash) &&
    isStr(a.tool) &&
    isStr(a.args_hash) &&
    isStrOrNull(a.intent) &&
    isStrOrNull(a.holder) &&
    isStr(a.reason) &&
    Number.isInteger(a.at) &&
    Number.isInteger(a.expires_at)
  );
}

/** A denial made here (the service did not, or could not, decide); service text is bounded. */
function denial(
  code: Exclude<DecisionCode, "permitted">,
  step: string | null,
  message: string,
  token?: unknown,
): Decision {
  return deny({
    code,
    step,
    token: Number.isSafeInteger(token) && (token as number) >= 0 ? (token as number) : null,
    message: escapeText(message, 512, false),
  });
}
