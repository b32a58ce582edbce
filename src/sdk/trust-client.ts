/**
 * Verification by a Baton service over HTTP: `POST {url}/v1/verify` with
 * `{aat_chain, aat_pop, tool, args, approval?}`; the service answers 200 with the decision for a
 * permit and a denial alike. Fails closed: an unreachable service, a timeout or an unexpected answer
 * is a `verification_unavailable` denial, never a permit and never an exception.
 *
 * @example
 * const verifier = new TrustClient({ url: "https://baton.internal:8443" });
 * const d = await verifier.verify({ presentation, tool: "deploy", args: { env: "prod" } });
 */

import { readPresentation } from "../core/chain/verify.ts";
import { type Decision, deny } from "../core/decision/decision.ts";
import { decisionFromJSON } from "../core/decision/json.ts";
import { escapeText } from "../core/display.ts";
import { DECISION_CODES, type DecisionCode } from "../core/errors.ts";
import { assertAllowed } from "./errors.ts";
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
