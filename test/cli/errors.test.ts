import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { baton, expectUsageError, tempDir } from "./helpers.ts";

let dir: string;
const run = (args: string[]) => baton(args, { cwd: dir });

beforeAll(async () => {
  dir = tempDir("errors");
  const k = await run(["keygen", "--out", "agent.key"]);
  expect(k.code, k.stderr).toBe(0);
  const id = await run(["id", "agent.key", "--json"]);
  writeFileSync(join(dir, "agent.pub.json"), id.stdout);
  writeFileSync(join(dir, "empty-presentation.json"), "{}");
  writeFileSync(join(dir, "dup-presentation.json"), '{"aat_chain": [], "aat_chain": [], "aat_pop": "x"}');
  writeFileSync(join(dir, "typo.key"), '{"kty":"OKP","crv":"Ed25519","x":"abc","nmae":"typo"}');
  writeFileSync(join(dir, "anchors.json"), "[]");
});

describe("bad input exits 2 with one line on stderr and no stack trace", () => {
  it("names the problem: missing flags, unknown flags and commands, unreadable files, bad JSON", async () => {
    const cases: [string[], RegExp][] = [
      [["grant", "--key", "agent.key"], /^baton: missing --issuer URI \(see: baton grant --help\)$/],
      [["verify", "--bogus"], /^baton: Unknown option '--bogus'/],
      [["frobnicate"], /^baton: unknown command "frobnicate"/],
      [
        [
          "derive",
          "--chain",
          "nope.json",
          "--key",
          "agent.key",
          "--to",
          "agent.key",
          "--tools",
          "{}",
          "--ttl",
          "1m",
        ],
        /^baton: cannot read chain file nope\.json: no such file$/,
      ],
      [
        [
          "verify",
          "--presentation",
          "empty-presentation.json",
          "--tool",
          "t",
          "--args",
          '{"a":1,"a":2}',
          "--trust",
          "anchors.json",
          "--aud",
          "x",
        ],
        /^baton: --args: invalid JSON: duplicate (key|member) .a/i,
      ],
      [
        [
          "verify",
          "--presentation",
          "dup-presentation.json",
          "--tool",
          "t",
          "--args",
          "{}",
          "--trust",
          "anchors.json",
          "--aud",
          "x",
        ],
        /^baton: presentation file dup-presentation\.json: invalid JSON: duplicate (key|member) .aat_chain/i,
      ],
      [
        [
          "verify",
          "--presentation",
          "empty-presentation.json",
          "--tool",
          "t",
          "--args",
          "[1]",
          "--trust",
          "anchors.json",
          "--aud",
          "x",
        ],
        /^baton: --args: must be a JSON object$/,
      ],
      [["id", "typo.key"], /^baton: key file typo\.key: Unrecognized key: "nmae"/],
      [
        [
          "prove",
          "--chain",
          "empty-presentation.json",
          "--key",
          "agent.pub.json",
          "--tool",
          "t",
          "--args",
          "{}",
          "--aud",
          "https://tools.acme.example",
        ],
        /^baton: chain file empty-presentation\.json: /,
      ],
      [
        [
          "grant",
          "--key",
          "agent.pub.json",
          "--issuer",
          "https://x.example",
          "--to",
          "agent.key",
          "--intent-id",
          "i",
          "--purpose",
          "p",
          "--tools",
          "{}",
          "--ttl",
          "5m",
          "--max-depth",
          "1",
        ],
        /^baton: key file agent\.pub\.json holds a public key; this command needs the private key file$/,
      ],
      [
        [
          "grant",
          "--key",
          "agent.key",
          "--issuer",
          "https://x.example",
          "--to",
          "agent.key",
          "--intent-id",
          "i",
          "--purpose",
          "p",
          "--tools",
          "{}",
          "--ttl",
          "5 minutes",
          "--max-depth",
          "1",
        ],
        /^baton: --ttl must look like 90s, 15m, 2h, 1d or a number of seconds, got "5 minutes"$/,
      ],
      [
        [
          "verify",
          "--presentation",
          "empty-presentation.json",
          "--tool",
          "t",
          "--args",
          "{}",
          "--trust",
          "anchors.json",
        ],
        /^baton: missing --aud EP/,
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    cases.forEach(([args, pattern], i) => {
      const r = results[i];
      if (!r) throw new Error("no result");
      const line = expectUsageError(r);
      expect({ args: args.slice(0, 2), line }).toEqual({
        args: args.slice(0, 2),
        line: expect.stringMatching(pattern),
      });
      expect(r.stdout).toBe("");
    });
  });

  it("treats a directory given as a file as a usage error, not a crash", async () => {
    const r = await run(["id", "."]);
    expect(expectUsageError(r)).toMatch(/^baton: cannot read key file \.: is a directory$/);
  });
});
