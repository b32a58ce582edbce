/**
 * The store failed to answer. Thrown by the facade for reads and writes that are not decisions
 * (a decision that cannot reach the store is a `verification_unavailable` denial instead). The
 * HTTP layer maps it to a 503 problem; the cause is logged, never sent.
 */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  readonly code = "store_unavailable";
  constructor(
    readonly operation: string,
    override readonly cause: unknown,
  ) {
    super(`the store failed during ${operation}`);
  }
}
