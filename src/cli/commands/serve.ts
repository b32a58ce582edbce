import { startServer } from "../../service/server.ts";
import { type Command, int, list, str } from "../command.ts";
import { configFrom } from "../config.ts";
import { UsageError } from "../errors.ts";
import { jsonLine } from "../io.ts";

export const serve: Command = {
  name: "serve",
  summary: "run the Baton service (HTTP verify, revocation, audit, agents)",
  usage:
    "serve [--config FILE] [--port N] [--host H] [--db PATH] [--trust anchors.json] [--aud EP]… [--approval-threshold N]",
  options: {
    config: { type: "string", value: "FILE", description: "JSON config file (default: $BATON_CONFIG)" },
    port: { type: "string", value: "N", description: "listen port (default 7420; 0 picks a free one)" },
    host: { type: "string", value: "H", description: "listen address (default 127.0.0.1)" },
    db: { type: "string", value: "PATH", description: "SQLite file (default ./data/baton.db)" },
    trust: {
      type: "string",
      value: "FILE",
      description: "trust anchors file (default: $BATON_TRUST_ANCHORS)",
    },
    aud: {
      type: "string",
      value: "EP",
      description: "this service's id, which PoPs and chains name in aud (default http://HOST:PORT)",
      multiple: true,
    },
    "approval-threshold": {
      type: "string",
      value: "N",
      description:
        "distinct approvers needed per call needing approval (default 1; config approvalThreshold)",
    },
  },
  details: [
    "Precedence, lowest first: built-in defaults, the config file, BATON_* environment variables, then",
    "these flags. So a flag overrides the environment, which overrides the config file.",
    "",
    "Environment variables:",
    "  BATON_CONFIG               path of the JSON config file (--config)",
    '  BATON_TRUST_ANCHORS        path of a trust-anchors file [{"issuer", "jwk"}] (--trust)',
    "  BATON_AUDIENCE             this service's id, comma-separated for several (--aud)",
    "  BATON_DATABASE_URL         postgres://… (shared state for several nodes; wins over a SQLite path)",
    "  BATON_DB_PATH              SQLite file, default ./data/baton.db (--db)",
    "  BATON_HOST                 listen address, default 127.0.0.1 (--host)",
    "  BATON_PORT                 listen port, default 7420 (--port)",
    "  BATON_APPROVAL_THRESHOLD   approvals needed per call, default 1 (--approval-threshold)",
    "  BATON_SSE_MAX_STREAMS      open /v1/events streams in all, default 100",
    "  BATON_SSE_MAX_STREAMS_PER_CALLER  open /v1/events streams per caller, default 8",
    "  BATON_MAX_CONNECTIONS      open sockets the server accepts, default 1024",
    "  BATON_DEBUG=1              print stack traces of unexpected errors",
    "",
    "Runs until SIGINT or SIGTERM, then shuts down gracefully. Logs are JSON lines on stdout, the first",
    'of them "baton listening" with the url; --json also prints {"url"} once listening.',
  ].join("\n"),
  examples: [
    "baton serve --trust anchors.json --port 7420 --aud https://tools.acme.example",
    "npm start -- --config baton.json",
  ],
  async run(args, ctx) {
    const port = int(args, "port");
    if (port !== undefined && port > 65_535)
      throw new UsageError(`--port must be at most 65535, got ${port}`);
    const host = str(args, "host");
    const aud = list(args, "aud");
    if (aud.some((a) => a.trim() === "")) throw new UsageError("--aud must not be empty");
    const threshold = int(args, "approval-threshold", 1);
    const config = configFrom(args, ctx, {
      server: { ...(port !== undefined ? { port } : {}), ...(host !== undefined ? { host } : {}) },
      top: {
        ...(aud.length > 0 ? { audience: aud.length === 1 ? (aud[0] as string) : aud } : {}),
        ...(threshold !== undefined ? { approvalThreshold: threshold } : {}),
      },
    });
    let url: string;
    try {
      url = (await startServer(config)).url;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
        throw new UsageError(`cannot listen on ${config.server.host}:${config.server.port}: ${code}`);
      }
      throw e;
    }
    // Without --json the service's own JSON log line ("baton listening", with the url) says it.
    if (args.json) ctx.stdout.write(jsonLine({ url }));
    return 0;
  },
};
