/** An app over a fresh facade (memory store unless told otherwise), driven with `inject`. */
import type { FastifyInstance } from "fastify";
import type { BatonConfig } from "../../src/config/schema.ts";
import { type AppOptions, buildApp } from "../../src/service/app.ts";
import { type Harness, openTrust, type StoreKind } from "../trust/fixtures.ts";

export interface AppHarness extends Harness {
  app: FastifyInstance;
  /** Log lines written by the app (JSON), when `captureLogs` was set. */
  logs: string[];
}

export async function openApp(
  o: { kind?: StoreKind; options?: AppOptions; captureLogs?: boolean; config?: BatonConfig } = {},
): Promise<AppHarness> {
  const h = await openTrust(o.kind ?? "memory", o.config !== undefined ? { config: o.config } : {});
  const logs: string[] = [];
  const app = await buildApp(h.trust, {
    logger: o.captureLogs ? { level: "info", stream: { write: (line) => void logs.push(line) } } : false,
    rateLimit: false,
    ...o.options,
  });
  return {
    ...h,
    app,
    logs,
    async close() {
      await app.close();
      await h.close();
    },
  };
}

/** Asserts the shape every error response shares. */
export function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  status: number,
  code: string,
): Record<string, unknown> {
  const body = res.json() as Record<string, unknown>;
  if (res.statusCode !== status || body.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.statusCode} ${JSON.stringify(body)}`);
  }
  if (!String(res.headers["content-type"]).startsWith("application/problem+json")) {
    throw new Error(`not problem+json: ${String(res.headers["content-type"])}`);
  }
  for (const k of ["type", "title", "status", "detail", "code"]) {
    if (!(k in body)) throw new Error(`problem without ${k}: ${JSON.stringify(body)}`);
  }
  if (body.status !== status || body.type !== `urn:baton:problem:${code}`) {
    throw new Error(`inconsistent problem: ${JSON.stringify(body)}`);
  }
  return body;
}
