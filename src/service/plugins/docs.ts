/**
 * The OpenAPI 3.1 document, generated from the zod route schemas (`fastify-type-provider-zod`
 * + `@fastify/swagger`), served at `/openapi.json`, and Swagger UI at `/docs` from local assets
 * (no CDN, no external validator).
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from "fastify-type-provider-zod";
import { schemaRegistry } from "../schemas.ts";

export interface DocsOptions {
  version: string;
}

const toObject = createJsonSchemaTransformObject({ schemaRegistry });
const toJsonSchema = createJsonSchemaTransform({ schemaRegistry, skipList: [] });

/** `GET /v1/audit/check` → `getV1AuditCheck`: the id of a route that names none itself. */
export function derivedOperationId(method: string, url: string): string {
  const words = url
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w[0]?.toUpperCase() + w.slice(1));
  return `${method.toLowerCase()}${words.join("")}`;
}

/** Every documented operation gets an `operationId`: its own, or one derived from method and path. */
const transform: typeof toJsonSchema = (input) => {
  const out = toJsonSchema(input);
  const schema = out.schema as Record<string, unknown> | undefined;
  if (schema && !schema.hide && typeof schema.operationId !== "string") {
    const method = Array.isArray(input.route.method)
      ? String(input.route.method[0])
      : String(input.route.method);
    return {
      ...out,
      schema: { ...schema, operationId: derivedOperationId(method, out.url) } as typeof out.schema,
    };
  }
  return out;
};

type OpenApiDocument = ReturnType<typeof toObject>;

/**
 * Drops the schema components nothing refers to: the generator emits an input and an output
 * variant of every registered schema, and half of them are never used.
 */
export function pruneComponents(document: OpenApiDocument): OpenApiDocument {
  const doc = document as { paths?: unknown; components?: { schemas?: Record<string, unknown> } };
  const schemas = doc.components?.schemas ?? {};
  const used = new Set<string>();
  const queue: unknown[] = [doc.paths];
  // Bounded: each component enters the queue at most once.
  while (queue.length > 0) {
    const text = JSON.stringify(queue.pop() ?? null);
    for (const m of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      const name = m[1] as string;
      if (!used.has(name)) {
        used.add(name);
        queue.push(schemas[name]);
      }
    }
  }
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)));
  return { ...document, components: { ...doc.components, schemas: kept } } as OpenApiDocument;
}

async function docs(app: FastifyInstance, o: DocsOptions): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Baton",
        version: o.version,
        description:
          "Delegation-chain trust service for AI agents (IETF AAT -02, JWS profile): verify tool calls, record chains, revoke, audit. Errors are RFC 9457 problem details with a stable `code`.",
      },
      tags: [
        { name: "verify", description: "Decide one tool call" },
        { name: "tokens", description: "The token registry" },
        { name: "revocations", description: "Signed revocation and the revocation feed" },
        { name: "audit", description: "The hash-chained audit log" },
        { name: "agents", description: "What the service knows about an agent" },
        { name: "operations", description: "Health, readiness, metrics" },
        { name: "graph", description: "The delegation graph and its live events" },
        { name: "approvals", description: "Calls waiting for a step-up approval" },
      ],
    },
    transform,
    transformObject: (document) => pruneComponents(toObject(document)),
  });
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    uiConfig: { url: "/openapi.json", validatorUrl: null, deepLinking: true } as Record<string, unknown>,
    theme: { title: "Baton API" },
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}

export const docsPlugin = fp(docs, { name: "baton-docs", fastify: "5.x" });
