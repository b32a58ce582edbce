/**
 * Verification by a Baton service over HTTP: `POST {url}/v1/verify` with
 * `{aat_chain, aat_pop, tool, args, approval?}`; the service answers 200 with the decision for a
 * permit and a denial alike. Fails closed: an unreachable service, a timeout or an unexpected answer
 * is a `verification_unavailable` denial, never a permit and never an exception. Arguments JSON
 * cannot represent as they are (`Infinity`, `-0`, `undefined`, a `Date`…) are refused before
 * anything is sent (`args_rejected`, see `json-args.ts`).
 *
 * @example
 * const verifier = new TrustClient({ url: "https://baton.internal:8443" });
 * const d = await verifier.verify({ presentation, tool: "deploy", args: { env: "prod" } });
 */
import type { Decision } from "../core/chain/options.ts";
import { readPresentation } from "../core/chain/verify.ts";
import { DECISION_CODES, type DecisionCode } from "../core/errors.ts";
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
}

export class TrustClient implements BatonVerifier {
  private readonly endpoint: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(o: TrustClientOptions) {
    this.endpoint = new URL("v1/verify", o.url.endsWith("/") ? o.url : `${o.url}/`).toString();
    this.headers = { ...o.headers, "content-type": "application/json", accept: "application/json" };
    this.timeoutMs = o.timeoutMs ?? 5000;
    this.fetchFn = o.fetch ?? fetch;
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
      if (isDecision(json)) return json;
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
        code as DecisionCode,
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
}

function isDecision(v: unknown): v is Decision {
  const d = v as Partial<Decision> | null;
  return (
    d !== null &&
    typeof d === "object" &&
    typeof d.allow === "boolean" &&
    typeof d.code === "string" &&
    d.code in DECISION_CODES &&
    d.allow === (d.code === "permitted") &&
    typeof d.message === "string"
  );
}

function denial(code: DecisionCode, step: string | null, message: string, token?: unknown): Decision {
  return {
    allow: false,
    code,
    step,
    token: typeof token === "number" ? token : null,
    message,
    intent: null,
    holder: null,
  };
}
