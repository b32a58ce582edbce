/**
 * A fastify plugin that puts Baton in front of tool routes (binding: `specs/http-guard.md`).
 *
 * A route opts in with `config: { batonTool: "<tool id>" }`. Its JSON body carries the
 * presentation in the reserved member `baton` — `{"baton": {"aat_chain": [...], "aat_pop": "...",
 * "approval"?: "..."}, ...arguments}` — and every other member of the body is the call's arguments.
 * Before the handler runs the plugin
 *
 * 1. (preValidation) takes `baton` out of the body, so the route's schema and handler never see it;
 * 2. (preHandler, after the route's schema validated the body) verifies the presentation for
 *    `batonTool` with the body as the handler will receive it as `args`: a body that differs from
 *    the PoP's `hta` in any way, including coercions or defaults the schema applied, is refused;
 * 3. refuses with `application/problem+json`, status 403 (503 for `verification_unavailable`);
 *    arguments JSON cannot represent as parsed (`1e400` → `Infinity`, `-0`) are refused
 *    `args_rejected` before any verifier is asked.
 *
 * The decision of a permitted call is on `request.baton`.
 *
 * @example
 * await app.register(batonGuard, { verifier: new LocalVerifier({ trustAnchors, audience }) });
 * app.post("/tools/write_file", { config: { batonTool: "write_file" } }, async (req) => write(req.body));
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { JsonValue } from "../core/constraints/index.ts";
import { type Decision, deny, unavailable } from "../core/decision/decision.ts";
import { nonJsonArgument, nonJsonDenial } from "./json-args.ts";
import type { BatonVerifier } from "./verifier.ts";

/** The body member that carries the presentation (and the optional approval). */
export const BATON_BODY_MEMBER = "baton";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The Baton tool id this route implements; routes without it are not guarded. */
    batonTool?: string;
  }
  interface FastifyRequest {
    /** The permit of a guarded route (null on unguarded routes). */
    baton: Decision | null;
  }
}

export interface BatonGuardOptions {
  verifier: BatonVerifier;
  /**
   * The call's arguments. Default: the validated body (without `baton`). Override only to add
   * inputs the handler also uses (e.g. path parameters), so that they are covered by the PoP too.
   */
  argsOf?: (request: FastifyRequest) => Record<string, JsonValue>;
}

/** An RFC 9457 problem for a refused call, in the shape the Baton service uses. */
export interface GuardProblem {
  type: string;
  title: string;
  status: number;
  /** The human-readable reason (same as `message`). */
  detail: string;
  code: string;
  message: string;
  step: string | null;
  token: number | null;
  /** For `approval_required`: the value an approval must bind (`decision.detail.pop_hash`). */
  pop_hash?: string;
}

interface Extracted {
  presentation: unknown;
  approval?: string;
}

const extracted = new WeakMap<FastifyRequest, Extracted | { missing: string }>();

/** The problem document for a denied decision. */
export function problemOf(d: Decision): GuardProblem {
  const status = d.code === "verification_unavailable" ? 503 : 403;
  const p: GuardProblem = {
    type: `urn:baton:problem:${d.code}`,
    title:
      d.code === "approval_required" ? "The call needs a step-up approval" : "The call is not authorised",
    status,
    detail: d.message,
    code: d.code,
    message: d.message,
    step: d.step,
    token: d.token,
  };
  const pop = d.detail?.pop_hash;
  if (typeof pop === "string") p.pop_hash = pop;
  return p;
}

function refuse(reply: FastifyReply, d: Decision): FastifyReply {
  const p = problemOf(d);
  return reply.code(p.status).type("application/problem+json").send(p);
}

function missing(message: string): Decision {
  return deny({ code: "malformed_presentation", step: "1", message });
}

const guard: FastifyPluginAsync<BatonGuardOptions> = async (app, opts) => {
  app.decorateRequest("baton", null);

  app.addHook("preValidation", async (request) => {
    if (request.routeOptions.config.batonTool === undefined) return;
    const body = request.body;
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      extracted.set(request, {
        missing: "the request body is not a JSON object carrying a Baton presentation",
      });
      return;
    }
    const b = body as Record<string, unknown>;
    if (!Object.hasOwn(b, BATON_BODY_MEMBER)) {
      extracted.set(request, {
        missing: `this route requires a Baton presentation in the body member "${BATON_BODY_MEMBER}": {"aat_chain": [...], "aat_pop": "..."}`,
      });
      return;
    }
    const member = b[BATON_BODY_MEMBER] as { approval?: unknown } | null;
    delete b[BATON_BODY_MEMBER];
    const e: Extracted = { presentation: member };
    if (member !== null && typeof member === "object") {
      const a = member.approval;
      // One compact approval, or an array of them (m-of-n) that the gate reads as JSON text.
      if (typeof a === "string") e.approval = a;
      else if (Array.isArray(a) && a.every((x) => typeof x === "string")) e.approval = JSON.stringify(a);
    }
    extracted.set(request, e);
  });

  app.addHook("preHandler", async (request, reply) => {
    const tool = request.routeOptions.config.batonTool;
    if (tool === undefined) return;
    const e = extracted.get(request);
    // A guarded route whose preValidation did not run (e.g. no body parser) is refused too.
    if (!e || "missing" in e)
      return refuse(reply, missing(e && "missing" in e ? e.missing : "no Baton presentation"));
    const args = opts.argsOf ? opts.argsOf(request) : ((request.body ?? {}) as Record<string, JsonValue>);
    // JSON.parse turns `1e400` into Infinity: the handler would run on a value that no verifier
    // (or PoP hta) sees as such. Refused whatever the verifier is.
    const bad = nonJsonArgument(args);
    if (bad) return refuse(reply, nonJsonDenial(bad, tool));
    let decision: Decision;
    try {
      decision = await opts.verifier.verify({
        presentation: e.presentation,
        tool,
        args,
        ...(e.approval !== undefined ? { approval: e.approval } : {}),
      });
    } catch (err) {
      decision = unavailable(err);
    }
    if (!decision.allow) return refuse(reply, decision);
    request.baton = decision;
  });
};

/** The guard plugin (wrapped with fastify-plugin, so it applies to every route of the app). */
export const batonGuard = fp(guard, { name: "baton-guard", fastify: "5.x" });
