/**
 * The catalog of decision codes. Every denial carries exactly one of these codes; `specs/errors.md`
 * documents each with the AAT -02 §8 step(s) that produce it, and a test keeps the two in step.
 *
 * Codes are stable API: add new ones, never rename or reuse one.
 */
export const DECISION_CODES = {
  permitted: "The call is permitted.",
  malformed_presentation: "The presentation is not {aat_chain: string[], aat_pop: string}.",
  chain_empty: "The chain has no tokens.",
  token_too_large: "A token exceeds MAX_TOKEN_SIZE.",
  chain_too_large: "The chain exceeds MAX_CHAIN_SIZE.",
  malformed_token: "A token or the PoP is not a well-formed compact JWS.",
  duplicate_jti: "Two tokens of the chain carry the same jti.",
  unsupported_alg: "The JWS alg is not on the allow-list or does not match the verifying key.",
  wrong_typ: "The JWS typ is not the one required at this position.",
  crit_unsupported: "The JWS crit header names a parameter this verifier does not understand.",
  bad_signature: "A signature does not verify under the key implied by the chain.",
  malformed_claims: "A claim is missing, duplicated, or of the wrong JSON type.",
  invalid_depth: "del_depth or del_max_depth breaks I2 (root depth, skipped depth, raised ceiling).",
  depth_exceeded: "A token sits deeper than its parent's, its own or the verifier's depth ceiling.",
  root_has_parent: "The root token carries par_hash.",
  expired: "A token has expired.",
  issued_in_future: "A token's iat lies beyond now + MAX_IAT_SKEW.",
  invalid_lifetime: "A token's exp is not after its iat, or its lifetime exceeds MAX_TOKEN_LIFETIME.",
  ttl_widened: "A child token outlives its parent or was issued before it.",
  issuer_mismatch: "iss does not name the trust anchor (root) or the parent's holder key (derived).",
  untrusted_key:
    "A key is not an acceptable public Ed25519 key (private members, small order, bad encoding).",
  invalid_authorization_details: "authorization_details does not hold exactly one well-shaped AAT entry.",
  invalid_constraint: "A constraint is malformed, too deep, or of an unknown type.",
  constraint_too_large:
    "A tools map is over a size limit: clauses per all/any, constraint nodes, or a tool id or argument name's length.",
  scope_widened: "A child token grants a tool, argument or value its parent does not.",
  par_hash_mismatch: "par_hash is not the hash of the parent's signing input (I5).",
  chain_length_mismatch: "The chain length does not equal the leaf's del_depth + 1.",
  tool_not_granted: "The invoked tool is not in the leaf token.",
  args_rejected: "The invocation arguments do not satisfy the leaf's constraints.",
  audience_mismatch:
    "An aud or aat_aud does not identify this enforcement point, or a required one is missing.",
  pop_mismatch: "The PoP does not name the leaf token (aat_id or aat_hash).",
  tool_mismatch: "The PoP's aat_tool differs from the invoked tool.",
  args_mismatch: "The PoP's hta differs from the invocation arguments.",
  pop_stale: "The PoP's iat is outside the freshness window.",
  nonce_invalid: "A required nonce is missing, unknown or no longer accepted.",
  replayed: "This PoP jti was already accepted within the window.",
  intent_mismatch: "A token's Baton intent differs from the root's, or is missing or malformed.",
  intent_required: "The verifier requires an intent-bound (Baton profile) chain.",
  approval_dropped: "A child token drops an approval pattern of its parent.",
  approval_required: "The tool requires a step-up approval that was not presented.",
  profile_unmarked:
    "A token carries Baton profile claims without the crit-listed profile header, or drops it.",
  revoked: "A token, agent or intent of the chain is revoked.",
  revocation_state_stale: "The verifier's revocation state is older than its staleness bound.",
  usage_exceeded: "A usage limit on a token of the chain is exhausted.",
  policy_denied: "A request-time policy forbids the call.",
  verification_unavailable:
    "State the verifier needs (store, policy engine) failed to answer; the call is refused.",
} as const;

export type DecisionCode = keyof typeof DECISION_CODES;

/**
 * Thrown for programmer and configuration errors only (bad options, bad keys handed to a signer).
 * Protocol failures are returned as data, never thrown.
 */
export class BatonError extends Error {
  override readonly name = "BatonError";
  constructor(
    readonly code: DecisionCode | "invalid_config" | "invalid_argument",
    message: string,
  ) {
    super(message);
  }
}
