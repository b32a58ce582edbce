/** The HTTP service: `buildApp` (never listens) and `startServer` (listens, shuts down gracefully). */
export { type AppOptions, buildApp } from "./app.ts";
export { type Problem, type ProblemCode, ProblemError, problemType, SERVICE_PROBLEMS } from "./problems.ts";
export { NO_ANCHORS_HINT, type RunningServer, type StartServerOptions, startServer } from "./server.ts";
