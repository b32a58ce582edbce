/**
 * The one error handler: every failure becomes an `application/problem+json` response with a
 * stable code. Expected failures (schema, JSON, size, media type, rate limit, refusals) keep their
 * message; anything unexpected is logged with its stack and answered with a bare 500.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { StoreUnavailableError } from "../trust/index.ts";
import { type Problem, ProblemError } from "./problems.ts";

/** Sends a problem; the body is pre-serialized so no route schema can reshape it. */
export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.status(problem.status).type("application/problem+json").send(JSON.stringify(problem));
}

/** Maps any thrown value to a problem. */
export function toProblem(error: unknown, request: FastifyRequest): Problem {
  if (error instanceof ProblemError) return error.toProblem();
  if (hasZodFastifySchemaValidationErrors(error)) {
    const errors = error.validation.map((v) => ({
      path: [error.validationContext ?? "body", ...pathOf(v.instancePath)].join("."),
      message: v.message ?? "invalid",
    }));
    return new ProblemError(
      "invalid_request",
      `the request does not match the schema: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`,
      { errors },
    ).toProblem();
  }
  if (error instanceof StoreUnavailableError) {
    request.log.error({ err: error.cause, operation: error.operation }, "store unavailable");
    return new ProblemError("store_unavailable", "the store did not answer; retry later").toProblem();
  }
  const e = error as Partial<FastifyError>;
  switch (e.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new ProblemError("payload_too_large", "the body exceeds the size limit").toProblem();
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new ProblemError("unsupported_media_type", "send the body as application/json").toProblem();
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new ProblemError("malformed_json", "the body is empty").toProblem();
  }
  const status = typeof e.statusCode === "number" ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    // fastify's own client errors (bad content-length, bad URL, …): their messages name no internals.
    return new ProblemError("bad_request", e.message ?? "bad request", {}, status).toProblem();
  }
  request.log.error({ err: error }, "unexpected error");
  return new ProblemError("internal_error", "an unexpected error occurred; it has been logged").toProblem();
}

function pathOf(instancePath: string): string[] {
  return instancePath
    .split("/")
    .filter((p) => p.length > 0)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** Installs the error and not-found handlers. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => sendProblem(reply, toProblem(error, request)));
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      new ProblemError("not_found", `no route ${request.method} ${request.url.split("?")[0]}`).toProblem(),
    ),
  );
}
