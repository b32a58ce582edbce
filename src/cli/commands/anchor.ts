import { readFile } from "node:fs/promises";
import type { TrustAnchor } from "../../core/index.ts";
import { type Command, req } from "../command.ts";
import { UsageError } from "../errors.ts";
import { loadPublicKey, readAnchorsValue } from "../inputs.ts";
import { jsonLine, jsonText, parseJsonText, writeOutput } from "../io.ts";
import { esc, style } from "../render.ts";

/** `baton anchor add`: create or extend a trust-anchor file with one issuer and its public key. */
export const anchorAdd: Command = {
  name: "anchor add",
  summary: "add a trust anchor (root issuer URI + public key) to an anchors file",
  usage: "anchor add --key FILE --issuer URI --out anchors.json [--json]",
  options: {
    key: {
      type: "string",
      value: "FILE",
      description: "the root issuer's key file (private or public)",
      required: true,
    },
    issuer: {
      type: "string",
      value: "URI",
      description: "the issuer URI roots will carry in iss",
      required: true,
    },
    out: {
      type: "string",
      value: "FILE",
      description: "the anchors file to create or extend",
      required: true,
    },
  },
  details:
    'The file is a JSON array of {"issuer", "jwk"} holding public keys only. Adding the same issuer with\nthe same key again changes nothing; the same issuer with a different key is refused.',
  examples: [
    "baton anchor add --key person.key --issuer https://people.acme.example/alice --out anchors.json",
  ],
  async run(args, ctx) {
    const issuer = req(args, "issuer");
    const out = req(args, "out");
    if (out === "-") throw new UsageError("--out must be a file: the anchors file is read, then extended");
    if (!URL.canParse(issuer)) throw new UsageError(`--issuer must be an absolute URI, got "${issuer}"`);
    const key = await loadPublicKey(ctx, req(args, "key"));
    const anchors = await readExisting(out);
    const same = anchors.find((a) => a.issuer === issuer);
    let added = false;
    if (same) {
      if (same.jwk.x !== key.jwk.x) {
        throw new UsageError(`${out} already binds issuer ${issuer} to a different key; remove it first`);
      }
    } else {
      anchors.push({ issuer, jwk: key.jwk });
      await writeOutput(ctx, out, jsonText(anchors));
      added = true;
    }
    if (args.json) {
      ctx.stdout.write(jsonLine({ out, issuer, id: key.id, added, anchors: anchors.length }));
    } else {
      const s = style(ctx);
      ctx.stdout.write(
        added
          ? `${s.ok("✓")} added ${esc(issuer)} to ${esc(out)} (${anchors.length} anchor${anchors.length === 1 ? "" : "s"})\n`
          : `${s.dim("=")} ${esc(issuer)} is already in ${esc(out)} with this key\n`,
      );
    }
    return 0;
  },
};

async function readExisting(path: string): Promise<TrustAnchor[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const what = `trust-anchor file ${path}`;
  return readAnchorsValue(parseJsonText(text, what), what);
}
