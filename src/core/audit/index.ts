/** The audit log's model: events, the hash chain, signed head checkpoints. Pure. */
export {
  AUDIT_BREAK_REASONS,
  type AuditBreak,
  type AuditBreakReason,
  AuditChainVerifier,
  type AuditCheckResult,
  type AuditHead,
  auditJsonLine,
  type ChainResult,
  canonicalAuditForm,
  GENESIS_HASH,
  hashAuditEvent,
  sealAuditEvent,
} from "./chain.ts";
export {
  type AuditCheckpoint,
  CHECKPOINT_TYP,
  type CheckpointResult,
  MAX_CHECKPOINT_SIZE,
  signCheckpoint,
  type VerifyCheckpointOptions,
  verifyCheckpoint,
} from "./checkpoint.ts";
export {
  AUDIT_EVENT_TYPES,
  type AuditEvent,
  type AuditEventType,
  type AuditInput,
  auditEventSchema,
  auditInputSchema,
  auditRefs,
  decisionDataSchema,
  type ParsedAuditInput,
  parseAuditInput,
} from "./event.ts";
