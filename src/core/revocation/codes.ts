/**
 * The catalog of revocation-request refusals. Every refused request carries exactly one of these
 * codes; `specs/http.md` documents each, and a test keeps the two in step.
 *
 * Codes are stable API: add new ones, never rename or reuse one.
 */
export const REVOCATION_CODES = {
  revocation_malformed:
    "The request is not a compact JWS whose payload is {jti, iat, aud, target, chain, reason?} in strict JSON.",
  revocation_wrong_typ: 'The request\'s JWS typ is not "baton-revoke+jwt".',
  revocation_unsupported_alg: 'The request\'s JWS alg is not "Ed25519", or its header lists crit.',
  revocation_wrong_audience:
    "The request names no aud, or an aud that is not this service's id: a request is bound to the one service it was signed for.",
  revocation_stale: "The request's iat is older than the accepted request age.",
  revocation_issued_in_future: "The request's iat lies in the future beyond the allowed clock skew.",
  revocation_replayed: "A request with this jti was already accepted.",
  revocation_chain_invalid: "The carried chain does not verify (signatures, links or times).",
  revocation_target_not_in_chain:
    "The carried chain does not contain the target token, is not bound to the target intent, or holds no token of the target agent.",
  revocation_unauthorized:
    "The request is not signed by a key allowed to revoke the target (an admin key, the trust anchor of the carried chain's root, or an agent above the target in the carried chain), or its signer's key is revoked.",
} as const;

export type RevocationCode = keyof typeof REVOCATION_CODES;
