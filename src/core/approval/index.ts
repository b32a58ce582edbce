/** Step-up approval tokens and the approval gate (Baton profile B3/B6; see `specs/approvals.md`). */
export {
  APPROVAL_TYP,
  type ApprovalClaims,
  type ApprovalGateOptions,
  approvalArgsHash,
  approvalGate,
  type ConsumeApproval,
  type CreateApprovalOptions,
  createApproval,
  DEFAULT_APPROVAL_TTL,
  MAX_APPROVAL_SIZE,
  MAX_APPROVAL_TTL,
  MAX_APPROVALS_PER_CALL,
  memoryConsume,
  verifyApproval,
} from "./approval.ts";
