/**
 * The packages as a user gets them: pack the three tarballs (scripts/pack.mjs), install them into
 * fresh temporary projects with `npm install <tarballs>`, and there run the README's "In code"
 * example with plain `node` (ES module and CommonJS), type-check TypeScript consumers with
 * `tsc --strict --module nodenext` (no @types added), count what an agent-side install brings in,
 * and check that the tarballs hold only built code and the documents.
 *
 * Installs use the npm cache first (`--prefer-offline`) and the registry for anything missing. The
 * server project is installed with `--ignore-scripts` so that better-sqlite3 is not compiled here
 * (its native build is exercised by the repository's own `npm ci`); nothing below opens SQLite.
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const TSC = join(root, "node_modules", "typescript", "bin", "tsc");
const MINUTES = 60_000;

interface Packed {
  name: string;
  tarball: string;
  files: string[];
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd: string): Run {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function must(r: Run, what: string): Run {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

function npmInstall(dir: string, specs: string[], extra: string[] = []): Run {
  return must(
    run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...extra, ...specs], dir),
    `npm install ${specs.join(" ")} (in ${dir})`,
  );
}

function project(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }, null, 2)}\n`,
  );
  return dir;
}

/** Packages in an install, from npm's hidden lockfile (node_modules/.package-lock.json). */
function installed(dir: string): Record<string, { version?: string; hasInstallScript?: boolean }> {
  const lock = JSON.parse(readFileSync(join(dir, "node_modules", ".package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string; hasInstallScript?: boolean }>;
  };
  return lock.packages;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** The README's "In code" example, as written there. */
function readmeExample(): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## In code"));
  const m = /```js\n([\s\S]*?)```/.exec(section);
  if (!m?.[1]) throw new Error('README.md has no ```js block under "## In code"');
  return m[1];
}

/** The same example for CommonJS: `import {…} from "x"` → `const {…} = require("x")`, body in an async IIFE. */
function asCommonJs(esm: string): string {
  const requires: string[] = [];
  const body = esm.replace(
    /^import \{([^}]*)\} from "([^"]+)";[^\n]*\n/gm,
    (_m, names: string, spec: string) => {
      requires.push(`const {${names}} = require("${spec}");`);
      return "";
    },
  );
  if (/^import /m.test(body))
    throw new Error("the README example has an import form the CJS copy cannot translate");
  return `"use strict";\n${requires.join("\n")}\n(async () => {\n${body}\n})().catch((e) => { console.error(e); process.exitCode = 1; });\n`;
}

/** EBADENGINE warnings npm printed, by package name. */
function badEngines(output: string): string[] {
  return [...output.matchAll(/EBADENGINE\s+package: '([^']+)'/g)].map((m) => m[1] ?? "");
}

const nodeMeetsEngines = (() => {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 12);
})();

const TOOL_CONSUMER = `import { Agent, type Decision, Issuer, type Presentation, TrustClient, BatonDenied } from "@baton-trust/agent";
import { type BatonVerifier, LocalVerifier } from "@baton-trust/tools";

const alice = new Issuer({ key: Agent.generate("alice").key, issuer: "https://people.example/alice" });
const bob = Agent.generate("bob");
const chain: string[] = alice.grant({ to: bob, intent: { id: "i", purpose: "p" }, tools: ["search"], ttl: "5m", maxDepth: 1 });
const presentation: Presentation = bob.prove(chain, { tool: "search", args: { q: "x" }, aud: "https://tools.example" });
const local: BatonVerifier = new LocalVerifier({ trustAnchors: [alice.anchor], audience: "https://tools.example" });
const remote: BatonVerifier = new TrustClient({ url: "http://127.0.0.1:9" });
const decision: Decision = await local.verify({ presentation, tool: "search", args: { q: "x" } });
const denied: boolean = (await remote.verify({ presentation, tool: "search", args: { q: "x" } })).allow;
export const out: [boolean, boolean, string] = [decision.allow, denied, new BatonDenied(decision.code, decision.message).name];
`;

const GUARD_CONSUMER = `import Fastify from "fastify";
import { Agent, Issuer } from "@baton-trust/agent";
import { LocalVerifier } from "@baton-trust/tools";
import { batonGuard, type BatonGuardOptions } from "@baton-trust/tools/fastify";
import { guardMcpServer, PRESENTATION_META } from "@baton-trust/tools/mcp";

const alice = new Issuer({ key: Agent.generate("alice").key, issuer: "https://people.example/alice" });
const options: BatonGuardOptions = {
  verifier: new LocalVerifier({ trustAnchors: [alice.anchor], audience: "https://tools.example" }),
};
const app = Fastify();
await app.register(batonGuard, options);
app.post("/search", { config: { batonTool: "search" } }, async () => ({ ok: true }));
const res = await app.inject({ method: "POST", url: "/search", payload: { q: "x" } });
console.log(res.statusCode, res.json().code, typeof guardMcpServer, PRESENTATION_META);
await app.close();
`;

const SERVER_CONSUMER = `import { Agent, batonGuard, buildApp, LocalVerifier, startServer, Trust, type TrustOptions } from "@baton-trust/server";

export const surface: [typeof Trust, typeof buildApp, typeof startServer, typeof LocalVerifier, typeof batonGuard] = [
  Trust, buildApp, startServer, LocalVerifier, batonGuard,
];
export type Options = TrustOptions;
console.log([Trust, buildApp, startServer, Agent].map((f) => typeof f).join(" "));
`;

function tsc(dir: string, ...files: string[]): Run {
  return run(process.execPath, [TSC, "--strict", "--module", "nodenext", "--noEmit", ...files], dir);
}

const ALLOWED_FILE =
  /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|bin\/baton\.js|dist\/.+\.(js|d\.ts|html|css))$/;
const FORBIDDEN_FILE =
  /(\.key$|\.chain$|(^|\/)call\.json$|(^|\/)anchors\.json$|(^|\/)tests?\/|\.test\.|(^|\/)bench\/|(^|\/)\.ci\/|(^|\/)specs\/|(^|\/)\.github\/|\.tgz$|(?<!\.d)\.ts$)/;

describe("the published packages, installed from their tarballs", () => {
  let work: string;
  let packed: Packed[];
  const tarball = (short: string): string => {
    const p = packed.find((x) => x.name === `@baton-trust/${short}`);
    if (!p) throw new Error(`no tarball for @baton-trust/${short}`);
    return p.tarball;
  };

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "baton-consumer-"));
    // The global set-up has just built dist/; pack stages and packs it.
    const script = join(root, "scripts", "pack.mjs");
    const r = must(
      run(process.execPath, [script, "--no-build", "--json", "--out", join(work, "tarballs")], root),
      "node scripts/pack.mjs",
    );
    packed = JSON.parse(r.stdout) as Packed[];
  }, 5 * MINUTES);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("packs three packages whose tarballs hold only built code, README, LICENSE and CHANGELOG", () => {
    expect(packed.map((p) => p.name)).toEqual([
      "@baton-trust/agent",
      "@baton-trust/tools",
      "@baton-trust/server",
    ]);
    for (const p of packed) {
      const unexpected = p.files.filter((f) => !ALLOWED_FILE.test(f) || FORBIDDEN_FILE.test(f));
      expect(unexpected, `${p.name} ships files it should not`).toEqual([]);
      for (const doc of ["README.md", "LICENSE", "CHANGELOG.md", "package.json"]) {
        expect(p.files, `${p.name} lacks ${doc}`).toContain(doc);
      }
    }
    for (const short of ["agent", "tools", "server"]) {
      const manifest = JSON.parse(readFileSync(join(work, "tarballs", short, "package.json"), "utf8")) as {
        exports: Record<string, { types?: string; import?: string }>;
        engines: { node: string };
        files: string[];
      };
      for (const [sub, target] of Object.entries(manifest.exports)) {
        expect(target, `@baton-trust/${short} exports "${sub}"`).toMatchObject({
          types: expect.stringMatching(/\.d\.ts$/),
          import: expect.stringMatching(/\.js$/),
        });
      }
      expect(manifest.engines.node).toBe(">=22.12");
      expect(manifest.files).toContain("dist");
    }
    expect(packed[2]?.files).toContain("bin/baton.js");
    expect(packed[2]?.files).toContain("dist/ui/index.html");
  });

  it("keeps frameworks, drivers and native modules out of the agent package; the tools' frameworks are peer ranges", () => {
    const [agent, tools] = packed;
    const heavy = /fastify|modelcontextprotocol|sqlite|^pg$|cedar|cytoscape|helmet|prom-client|^@types\//;
    expect(Object.keys(agent?.dependencies ?? {}).filter((n) => heavy.test(n))).toEqual([]);
    expect(tools?.peerDependencies).toEqual({
      fastify: expect.stringMatching(/^\^5\./),
      "@modelcontextprotocol/sdk": expect.stringMatching(/^\^1\./),
    });
    expect(tools?.dependencies).not.toHaveProperty("fastify");
    expect(tools?.dependencies).not.toHaveProperty("@modelcontextprotocol/sdk");
  });

  describe("an agent project, then a tool project without a framework", () => {
    let dir: string;
    let agentInstall: Run;
    beforeAll(() => {
      dir = project(join(work, "agent"));
      agentInstall = npmInstall(dir, [tarball("agent")]);
    }, 5 * MINUTES);

    it("an agent-side install brings at most 15 packages, none with an install script or native code", () => {
      const pkgs = Object.entries(installed(dir)).filter(([k]) => k !== "");
      const names = pkgs.map(([k]) => k.replace(/^node_modules\//, ""));
      console.log(`agent-side install: ${pkgs.length} packages: ${names.join(", ")}`);
      expect(pkgs.length).toBeLessThanOrEqual(15);
      expect(pkgs.filter(([, v]) => v.hasInstallScript).map(([k]) => k)).toEqual([]);
      const native = filesUnder(join(dir, "node_modules")).filter((f) => /\.node$|binding\.gyp$/.test(f));
      expect(native).toEqual([]);
      const engines = badEngines(agentInstall.stdout + agentInstall.stderr);
      // On Node 20 (end of life; this machine's Node) npm rightly warns about Baton's own engines.
      expect(engines.filter((n) => !(n.startsWith("@baton-trust/") && !nodeMeetsEngines))).toEqual([]);
    });

    describe("with @baton-trust/tools added (no fastify, no MCP SDK)", () => {
      beforeAll(() => {
        npmInstall(dir, [tarball("agent"), tarball("tools")]);
        console.log(`agent + tools install: ${Object.keys(installed(dir)).length - 1} packages`);
      }, 5 * MINUTES);

      it("runs the README's In code example as a plain .mjs", () => {
        writeFileSync(join(dir, "example.mjs"), readmeExample());
        const r = must(run(process.execPath, ["example.mjs"], dir), "node example.mjs");
        expect(r.stdout.trim()).toBe("PERMIT permitted");
      });

      it("runs the same example from CommonJS (require of the ES modules)", () => {
        writeFileSync(join(dir, "example.cjs"), asCommonJs(readmeExample()));
        const r = must(run(process.execPath, ["example.cjs"], dir), "node example.cjs");
        expect(r.stdout.trim()).toBe("PERMIT permitted");
      });

      it(
        "type-checks a TypeScript consumer with tsc --strict --module nodenext and no @types",
        () => {
          expect(existsSync(join(dir, "node_modules", "@types"))).toBe(false);
          writeFileSync(join(dir, "consumer.ts"), TOOL_CONSUMER);
          const r = tsc(dir, "consumer.ts");
          expect(r.stdout + r.stderr, "tsc reported errors").toBe("");
          expect(r.status).toBe(0);
        },
        5 * MINUTES,
      );
    });
  });

  describe("an operator project (the server, whose fastify and MCP SDK also serve the tools' peers)", () => {
    let dir: string;
    beforeAll(() => {
      dir = project(join(work, "server"));
      npmInstall(dir, [tarball("agent"), tarball("tools"), tarball("server")], ["--ignore-scripts"]);
      console.log(`server install: ${Object.keys(installed(dir)).length - 1} packages`);
    }, 10 * MINUTES);

    it(
      "type-checks consumers of the /fastify, /mcp and server entries with no @types of their own",
      () => {
        writeFileSync(join(dir, "guard.ts"), GUARD_CONSUMER);
        writeFileSync(join(dir, "server.ts"), SERVER_CONSUMER);
        // One program for both files: the declarations are checked once (skipLibCheck is off).
        const r = tsc(dir, "guard.ts", "server.ts");
        expect(r.stdout + r.stderr, "tsc reported errors").toBe("");
        expect(r.status).toBe(0);
      },
      5 * MINUTES,
    );

    it("runs the fastify guard, which refuses a call that carries no presentation", () => {
      const js = GUARD_CONSUMER.replace(", type BatonGuardOptions", "").replace(": BatonGuardOptions", "");
      writeFileSync(join(dir, "guard.mjs"), js);
      const out = must(run(process.execPath, ["guard.mjs"], dir), "node guard.mjs");
      expect(out.stdout.trim()).toMatch(/^403 [a-z_]+ function baton\/presentation$/);
    });

    it("reaches Trust, buildApp and startServer from the server entry at run time", () => {
      writeFileSync(
        join(dir, "server.mjs"),
        `import { Agent, buildApp, startServer, Trust } from "@baton-trust/server";\nconsole.log([Trust, buildApp, startServer, Agent].map((f) => typeof f).join(" "));\n`,
      );
      const out = must(run(process.execPath, ["server.mjs"], dir), "node server.mjs");
      expect(out.stdout.trim()).toBe("function function function function");
    });

    it("installs the baton command, which runs compiled JavaScript", () => {
      const bin = join(dir, "node_modules", ".bin", "baton");
      expect(existsSync(bin)).toBe(true);
      const r = must(run(process.execPath, [bin, "--help"], dir), "baton --help");
      expect(r.stdout).toMatch(/baton/);
      const script = readFileSync(
        join(dir, "node_modules", "@baton-trust", "server", "bin", "baton.js"),
        "utf8",
      );
      expect(script).not.toMatch(/tsx/);
    });
  });
});
