/**
 * `@baton-trust/tools/fastify`: the fastify guard. Routes declare `config.batonTool`; the guard
 * reads the presentation (header or body member), verifies the call with any `BatonVerifier` and
 * answers a denial as problem+json. Needs `fastify` 5 (a peer dependency).
 *
 * @example
 * import { LocalVerifier } from "@baton-trust/tools";
 * import { batonGuard } from "@baton-trust/tools/fastify";
 * await app.register(batonGuard, { verifier: new LocalVerifier({ trustAnchors, audience }) });
 * app.post("/write", { config: { batonTool: "write_file" } }, handler);
 *
 * @packageDocumentation
 */

export {
  BATON_BODY_MEMBER,
  type BatonGuardOptions,
  batonGuard,
  type GuardProblem,
  problemOf,
} from "./sdk/fastify-guard.ts";
