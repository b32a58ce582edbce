import { startServer } from "../../service/server.ts";
import { type Command, int, str } from "../command.ts";
import { UsageError } from "../errors.ts";
import { jsonLine } from "../io.ts";
import { configFrom } from "../local-trust.ts";

export const serve: Command = {
  name: "serve",
  summary: "run the Baton service (HTTP verify, revocation, audit, agents)",
  usage: "serve [--config FILE] [--port N] [--host H] [--db PATH] [--trust anchors.json]",
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
  },
  details: [
    "Flags override the config file, which the BATON_* environment variables override in turn",
    "(BATON_DATABASE_URL selects PostgreSQL). Runs until SIGINT or SIGTERM, then shuts down gracefully.",
    'Prints the URL once listening ({"url"} with --json); request logs follow as JSON lines.',
  ].join("\n"),
  examples: ["baton serve --trust anchors.json --port 7420", "npm start -- --config baton.json"],
  async run(args, ctx) {
    const port = int(args, "port");
    if (port !== undefined && port > 65_535)
      throw new UsageError(`--port must be at most 65535, got ${port}`);
    const host = str(args, "host");
    const config = configFrom(args, ctx, {
      server: { ...(port !== undefined ? { port } : {}), ...(host !== undefined ? { host } : {}) },
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
    ctx.stdout.write(args.json ? jsonLine({ url }) : `baton listening on ${url}\n`);
    return 0;
  },
};
