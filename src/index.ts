/**
 * Baton: delegation-chain trust for multi-agent AI systems (AAT -02 + the Baton profile).
 *
 * - agents and tools: `Agent`, `Issuer`, `LocalVerifier`, `TrustClient`, `batonGuard`, `guardMcpServer`;
 * - the pure protocol: `grant`, `derive`, `prove`, `Verifier`, constraints and decision codes;
 * - policy: `loadCedarPolicy`, `approvalGate`;
 * - stores: `openStore`, `RevocationState`.
 */
export * from "./core/index.ts";
export { loadCedarPolicy, PendingApprovals, policyCheck } from "./policy/index.ts";
export * from "./sdk/index.ts";
export { openStore, RevocationState } from "./store/index.ts";
