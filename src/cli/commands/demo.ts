/**
 * `baton demo`: the end-to-end story (see `src/demo/story.ts`) on the embedded SQLite store.
 * It leaves its intent in the store, so `baton graph` and the `/ui` inspector show it afterwards.
 */
import { runDemo } from "../../demo/story.ts";
import type { Command } from "../command.ts";
import { jsonLine } from "../io.ts";

export const demo: Command = {
  name: "demo",
  summary: "run the end-to-end delegation story (grant, derive, calls, approval, revocation, graph, audit)",
  usage: "demo [--db PATH] [--json]",
  options: {
    db: {
      type: "string",
      description: "SQLite file to use (default ./data/baton.db, the one `npm start` reads)",
    },
  },
  details:
    "Runs everything in one process on the embedded SQLite store: the trust facade, a fastify tool service behind the Baton guard on a loopback port, and an MCP server behind the Baton adapter. Keys are fresh every run; the intent id is printed so you can inspect it afterwards.",
  examples: [
    "npm run demo",
    "baton demo --db /tmp/demo.db",
    "baton demo --json | jq '.steps[] | {id, code}'",
  ],
  async run(args, ctx) {
    const db =
      typeof args.values.db === "string" ? args.values.db : (process.env.BATON_DB_PATH ?? "./data/baton.db");
    const result = await runDemo({
      dbPath: db,
      color: ctx.color,
      ...(args.json ? {} : { print: (line: string) => ctx.stdout.write(`${line}\n`) }),
    });
    if (args.json) ctx.stdout.write(jsonLine(result));
    return result.ok ? 0 : 1;
  },
};
