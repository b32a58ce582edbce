/**
 * How a request-time policy sees the approval a call carries.
 *
 * The core hands a `RequestPolicy` the call context but not the call's approval (the approval gate
 * gets it only when a `baton_approve` pattern matches). A Cedar `@approval("required")` policy must
 * be satisfiable by the same approval, so the approval reaches the policy in one of two ways:
 *
 * 1. `ctx.approval`, if the core's `CallContext` carries it (preferred; see the report to the lead);
 * 2. otherwise the value bound with {@link runWithApproval} around `verifier.verify(call)` — an
 *    `AsyncLocalStorage` scope, so concurrent calls never see each other's approval.
 *
 * @example
 * const decision = await runWithApproval(call.approval, () => verifier.verify(call));
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { CallContext } from "../core/chain/options.ts";

const scope = new AsyncLocalStorage<{ approval: string | undefined }>();

/** Runs `fn` with `approval` visible to request-time policies evaluated inside it. */
export function runWithApproval<T>(approval: string | undefined, fn: () => Promise<T>): Promise<T> {
  return scope.run({ approval }, fn);
}

/** The approval of the call `ctx` belongs to: `ctx.approval` if present, else the bound one. */
export function approvalOf(ctx: CallContext): string | undefined {
  const own = (ctx as CallContext & { approval?: unknown }).approval;
  if (typeof own === "string") return own;
  return scope.getStore()?.approval;
}
