#!/usr/bin/env node
// The `baton` command: runs the compiled CLI (dist/, built by `npm run build`; `npm ci` builds it
// through the `prepare` script). No TypeScript loader at run time.
import { main } from "../dist/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
