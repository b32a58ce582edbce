/** The verdict as data: the `Decision` type, its constructors and its one JSON form. */
export {
  type Decision,
  type DecisionContext,
  type DenialInit,
  deny,
  type Evidence,
  MAX_EVIDENCE_NAME,
  permit,
  unavailable,
} from "./decision.ts";
export { decisionFromJSON, decisionSchema, decisionToJSON, evidenceSchema } from "./json.ts";
