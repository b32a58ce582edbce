/**
 * Problem details (RFC 9457) of the HTTP service. Every non-2xx response is
 * `application/problem+json` with `type`, `title`, `status`, `detail` and a stable `code`.
 *
 * Codes come from three catalogs: the service's own ({@link SERVICE_PROBLEMS}), the revocation
 * refusals (`REVOCATION_CODES`, 403) and the verifier's decision codes (`DECISION_CODES`, 422 when
 * `POST /v1/tokens` refuses a chain). `specs/http.md` lists them all; a test keeps them in step.
 */
import { DECISION_CODES, type DecisionCode } from "../core/errors.ts";
import { REVOCATION_CODES, type RevocationCode } from "../core/revocation/codes.ts";

/** The service's own problem codes, with status and title. Stable API: add, never rename. */
export const SERVICE_PROBLEMS = {
  invalid_request: { status: 400, title: "The request does not match the schema" },
  malformed_json: { status: 400, title: "The body is not strict JSON" },
  bad_request: { status: 400, title: "The request cannot be read" },
  not_found: { status: 404, title: "No such route" },
  agent_not_found: { status: 404, title: "The service knows nothing about this agent" },
  payload_too_large: { status: 413, title: "The body exceeds the size limit" },
  unsupported_media_type: { status: 415, title: "The body must be application/json" },
  rate_limited: { status: 429, title: "Too many requests" },
  too_many_streams: { status: 429, title: "This caller holds its maximum of live event streams" },
  internal_error: { status: 500, title: "Internal error" },
  not_ready: { status: 503, title: "The service is not ready" },
  store_unavailable: { status: 503, title: "The store did not answer" },
  streams_exhausted: { status: 503, title: "The service holds its maximum of live event streams" },
} as const;

export type ServiceProblemCode = keyof typeof SERVICE_PROBLEMS;
export type ProblemCode = ServiceProblemCode | RevocationCode | DecisionCode;

/** Status of a revocation refusal. */
export const REVOCATION_REFUSED_STATUS = 403;
/** Status of a chain refused by `POST /v1/tokens`. */
export const CHAIN_REFUSED_STATUS = 422;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  /** Field-level problems of an `invalid_request`. */
  errors?: { path: string; message: string }[];
  /** Where a chain refusal happened (422 from /v1/tokens). */
  step?: string | null;
  token?: number | null;
}

/** The `type` URI of a code. */
export function problemType(code: string): string {
  return `urn:baton:problem:${code}`;
}

/** A problem to send: thrown by routes and plugins, rendered by the one error handler. */
export class ProblemError extends Error {
  override readonly name = "ProblemError";
  readonly statusCode: number;
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly extra: Partial<Pick<Problem, "errors" | "step" | "token">> = {},
    status?: number,
  ) {
    super(detail);
    this.statusCode = status ?? statusOf(code);
  }

  toProblem(): Problem {
    return {
      type: problemType(this.code),
      title: titleOf(this.code),
      status: this.statusCode,
      detail: this.detail,
      code: this.code,
      ...this.extra,
    };
  }
}

function statusOf(code: ProblemCode): number {
  if (code in SERVICE_PROBLEMS) return SERVICE_PROBLEMS[code as ServiceProblemCode].status;
  if (code in REVOCATION_CODES) return REVOCATION_REFUSED_STATUS;
  return CHAIN_REFUSED_STATUS;
}

function titleOf(code: ProblemCode): string {
  if (code in SERVICE_PROBLEMS) return SERVICE_PROBLEMS[code as ServiceProblemCode].title;
  if (code in REVOCATION_CODES) return "The revocation request is refused";
  if (code in DECISION_CODES) return "The chain does not verify";
  return "Error";
}
