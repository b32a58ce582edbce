/** Authenticated revocation requests (pure): the request format, who may revoke what, and the refusal codes. */
export { REVOCATION_CODES, type RevocationCode } from "./codes.ts";
export {
  type CreateRevocationRequestOptions,
  createRevocationRequest,
  DEFAULT_REVOCATION_MAX_AGE,
  REVOKE_TYP,
  type RevocationAuthority,
  type RevocationRequestResult,
  type VerifyRevocationOptions,
  verifyRevocationRequest,
} from "./request.ts";
