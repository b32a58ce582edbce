/**
 * Pino options of the service. Logs name the request (method, path, id, status, time) and never
 * its body, query string, headers or the tool arguments: serializers emit only the fields listed
 * here, and redaction is a second line of defence for anything a handler might log by mistake
 * (private key members, presentations, revocation requests, arguments).
 */
import type { FastifyLoggerOptions, FastifyRequest } from "fastify";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export const REDACT_PATHS = [
  "req.headers",
  "req.body",
  "body",
  "args",
  "*.args",
  "aat_pop",
  "*.aat_pop",
  "aat_chain",
  "*.aat_chain",
  "request",
  "*.request",
  "d",
  "*.d",
  "*.*.d",
  "jwk.d",
  "privateKey",
  "*.privateKey",
];

export interface BatonLoggerOptions extends FastifyLoggerOptions {
  redact: { paths: string[]; censor: string };
}

export function loggerOptions(level: LogLevel): BatonLoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    serializers: {
      req(request: FastifyRequest) {
        return {
          id: request.id,
          method: request.method,
          path: (request.url ?? "").split("?")[0],
          remoteAddress: request.ip,
        };
      },
      res(reply: { statusCode: number }) {
        return { statusCode: reply.statusCode };
      },
    },
  };
}
