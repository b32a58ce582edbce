/**
 * The delegation graph over a store: loading (`loadIntentGraph`, `loadAgentGraph`, `listIntents`),
 * live events (`EventBus`, `StorePoller`) and renderers (tree, DOT, Mermaid, JSON). The model
 * itself is pure and lives in `src/core/graph/`.
 */
export * from "../core/graph/index.ts";
export {
  type DecisionEvent,
  type DelegationEvent,
  EventBus,
  eventKey,
  type GraphEvent,
  type GraphEventListener,
  type RevocationEvent,
} from "./events.ts";
export {
  allRevocations,
  decisionsOf,
  type IntentList,
  type IntentSummary,
  type LoadGraphOptions,
  listIntents,
  loadAgentGraph,
  loadIntentGraph,
} from "./load.ts";
export { eventOfAudit, eventOfRevocation, StorePoller, type StorePollerOptions } from "./poll.ts";
export { tokenInputOf } from "./record-token.ts";
export { GRAPH_FORMATS, type GraphFormat, type RenderOptions, renderGraph } from "./render.ts";
export { type DocumentOptions, renderDot } from "./render-dot.ts";
export { renderMermaid } from "./render-mermaid.ts";
export { PLAIN_STYLE, renderTree, type TreeOptions, type TreeStyle } from "./render-tree.ts";
