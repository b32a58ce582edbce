/**
 * Request-time policy and approvals around the core verifier: Cedar policies (B7), the tool
 * catalog and the pending-approval registry (its `GET /v1/approvals` route is the service's,
 * `src/service/routes/approvals.ts`).
 */
export {
  type CatalogEntry,
  catalogSchema,
  classify,
  EMPTY_CATALOG,
  loadCatalog,
  parseCatalog,
  TOOL_CLASSES,
  type ToolCatalog,
  type ToolClass,
  type ToolClassOrUnknown,
} from "./catalog.ts";
export {
  APPROVAL_ANNOTATION,
  type CedarPolicy,
  type CedarPolicyOptions,
  type CedarVerdict,
  loadCedarPolicy,
} from "./cedar.ts";
export { CONTEXT_ATTRIBUTES, cedarRequest, toCedarValue } from "./cedar-context.ts";
export { formatPolicyProblem, type PolicyCheckReport, type PolicyProblem, policyCheck } from "./check.ts";
export {
  type ObservedCall,
  type PendingApproval,
  PendingApprovals,
  type PendingApprovalsOptions,
} from "./pending.ts";
export type { PolicySource } from "./policy-source.ts";
