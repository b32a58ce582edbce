/**
 * Baton's AAT -02 constraint module: well-formedness (steps 3n/4o), closed-world invocation checks
 * (step 6b) and attenuation of tool maps (step 4p), plus the single-constraint helpers they are built
 * on. Pure functions over already-parsed JSON; no I/O.
 *
 * Besides the nine core types this module implements `path_containment`, a Baton extension that
 * follows the AAT -02 §5.3 illustration and is not core AAT (see `path-containment.ts`).
 */
export { checkInvocation, type InvocationFailure, type NarrowingFailure, narrowsTools } from "./maps.ts";
export { PATH_CONTAINMENT } from "./path-containment.ts";
export { satisfies } from "./satisfies.ts";
export { subsumes } from "./subsumes.ts";
export {
  BATON_EXTENSION_TYPES,
  CORE_CONSTRAINT_TYPES,
  type ConstraintMap,
  type ConstraintType,
  type CoreConstraintType,
  type ExtensionConstraintType,
  type JsonValue,
  type Problem,
  type ToolsMap,
} from "./types.ts";
export { checkToolsWellFormed, type WellFormedOptions } from "./well-formed.ts";
