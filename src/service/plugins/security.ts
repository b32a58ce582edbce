/**
 * Security headers (helmet) and the rate limit of the mutating routes
 * (@fastify/rate-limit, opt-in per route with `config.rateLimit`; /v1/verify is never limited: it
 * is the hot path, and denying a verify call by load would look like a denial by policy).
 *
 * The content security policy allows only same-origin scripts; Swagger UI (at /docs, served from
 * local assets) also needs inline styles and data: images.
 */

import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import helmet from "helmet";
import { ProblemError } from "../problems.ts";

export interface RateLimitOptions {
  /** Requests per window and client address. */
  max: number;
  timeWindowMs: number;
}

export interface SecurityOptions {
  /** false disables the limit. */
  rateLimit: RateLimitOptions | false;
}

async function security(app: FastifyInstance, o: SecurityOptions): Promise<void> {
  // helmet's middleware is built once here and applied to every reply. (@fastify/helmet rebuilds
  // it, CSP directives included, on every request, which cost more than a whole verify call.)
  const applyHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", "data:"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        imgSrc: ["'self'", "data:"],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
      },
    },
  });
  app.addHook("onRequest", (request, reply, done) => {
    applyHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
  });
  if (o.rateLimit !== false) {
    const { max, timeWindowMs } = o.rateLimit;
    await app.register(rateLimit, {
      global: false,
      max,
      timeWindow: timeWindowMs,
      errorResponseBuilder: (_request, context) =>
        new ProblemError(
          "rate_limited",
          `at most ${context.max} requests per ${Math.round(timeWindowMs / 1000)} s on this route; retry in ${Math.ceil(context.ttl / 1000)} s`,
        ),
    });
  }
}

export const securityPlugin = fp(security, { name: "baton-security", fastify: "5.x" });
