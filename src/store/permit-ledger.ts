import type { PermitLedger } from "../core/ports.ts";
import type { Store } from "./types.ts";

/**
 * The store as the verifier's `PermitLedger` (ports.ts).
 * @example verifyChain(presentation, { ledger: permitLedger(store), … })
 */
export function permitLedger(store: Pick<Store, "commitPermit">): PermitLedger {
  return { commit: (entry) => store.commitPermit(entry) };
}
