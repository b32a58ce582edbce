/** A service app with only the graph routes mounted, built like `buildApp` builds the real one. */
import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { installErrorHandler } from "../../src/service/error-handler.ts";
import { securityPlugin } from "../../src/service/plugins/security.ts";
import { type GraphRoutesOptions, graphRoutes } from "../../src/service/routes/graph.ts";

export async function graphApp(options: GraphRoutesOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, forceCloseConnections: "idle" }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  await app.register(securityPlugin, { rateLimit: false });
  await app.register(graphRoutes, options);
  return app;
}
