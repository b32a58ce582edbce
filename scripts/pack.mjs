#!/usr/bin/env node
/**
 * Stages and packs the three published packages from the compiled dist/ (scripts/build.mjs):
 *
 *   @baton-trust/agent   keys, grant/derive/prove, inspection, the service's HTTP client
 *   @baton-trust/tools   + the local verifier, the fastify guard, the MCP adapter (peers: fastify, MCP SDK)
 *   @baton-trust/server  + the trust facade, service, stores, Cedar policy, UI and the `baton` CLI
 *
 * Each package holds only the dist files its entry reaches (relative imports followed separately
 * through the .js and the .d.ts files) that a lower package does not already hold; an import of a
 * lower package's file is rewritten to that package (`@baton-trust/agent` for its entry,
 * `@baton-trust/agent/_internal/…` otherwise), so one install holds one copy of the protocol and
 * its classes keep one identity. `dependencies` are the bare imports a package's own files reach,
 * with the versions of the root package.json; fastify and the MCP SDK are optional peers of tools.
 *
 * Usage: node scripts/pack.mjs [--out DIR] [--no-build] [--json]
 * Prints one line per tarball (or, with --json, a JSON summary on stdout).
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const argv = process.argv.slice(2);
const outIndex = argv.indexOf("--out");
const out = resolve(outIndex >= 0 ? argv[outIndex + 1] : join(root, "dist-packages"));
const asJson = argv.includes("--json");
const log = asJson ? (...a) => console.error(...a) : (...a) => console.log(...a);

const rootPkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const VERSION = rootPkg.version;
const SCOPE = "@baton-trust";
/** The Node lines the published packages support (22.12 is the first 22 with require(esm) unflagged). */
const ENGINES = { node: ">=22.12" };

/** Lowest layer first: a package may use the ones before it, never the ones after. */
const PACKAGES = [
  {
    short: "agent",
    entries: { ".": "agent" },
    description:
      "Baton for agents: Ed25519 agent keys, grant/derive/prove of attenuating delegation tokens (AAT -02), inspection, and the Baton service's HTTP client.",
  },
  {
    short: "tools",
    entries: { ".": "tools", "./fastify": "tools-fastify", "./mcp": "tools-mcp" },
    description:
      "Baton for tool servers: verify delegation chains in process or through a Baton service, the fastify guard and the MCP adapter.",
    peers: { fastify: "^5.0.0", "@modelcontextprotocol/sdk": "^1.32.0" },
  },
  {
    short: "server",
    entries: { ".": "server" },
    description:
      "The Baton trust service: verification with revocation, replay state and a hash-chained audit log; SQLite/PostgreSQL stores, Cedar policy, the graph inspector and the baton CLI.",
    bin: { baton: "bin/baton.js" },
    assets: ["ui"],
  },
];

if (!argv.includes("--no-build")) {
  const r = spawnSync(process.execPath, [join(root, "scripts", "build.mjs")], {
    stdio: ["ignore", asJson ? "ignore" : "inherit", "inherit"],
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
if (!existsSync(join(dist, "agent.js"))) {
  console.error("pack: dist/ is missing; run `npm run build`");
  process.exit(1);
}

const BUILTINS = new Set(builtinModules);
/** Packages located with `require.resolve("x/…")` (the inspector's vendor scripts). */
const RESOLVED = /\brequire\.resolve\(\s*(["'])([^"'\n]+)\1/g;

/**
 * The module specifiers of a file with their offsets: TypeScript's pre-processor finds import,
 * export-from, dynamic import and require forms and skips comments and strings.
 */
function references(text) {
  const refs = ts.preProcessFile(text, true, true).importedFiles.map((f) => {
    const start = f.pos + 1;
    if (text.slice(start, start + f.fileName.length) !== f.fileName) {
      throw new Error(`pack: cannot locate the specifier "${f.fileName}"`);
    }
    return { spec: f.fileName, start, end: start + f.fileName.length };
  });
  for (const m of text.matchAll(RESOLVED)) refs.push({ spec: m[2], start: -1, end: -1 });
  return refs;
}

function specifiers(file) {
  return references(readFileSync(file, "utf8")).map((r) => r.spec);
}

/** Replaces each located specifier by `map(spec)`. */
function rewrite(text, map) {
  let result = "";
  let at = 0;
  for (const r of references(text)
    .filter((x) => x.start >= 0)
    .sort((a, b) => a.start - b.start)) {
    result += text.slice(at, r.start) + map(r.spec);
    at = r.end;
  }
  for (const r of references(text)) if (r.start < 0) map(r.spec);
  return result + text.slice(at);
}

function packageName(spec) {
  const parts = spec.split("/");
  return spec.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
}

function isBuiltin(spec) {
  return spec.startsWith("node:") || BUILTINS.has(spec) || BUILTINS.has(spec.split("/")[0]);
}

/** Whether an installed dependency ships its own declarations. */
function hasOwnTypes(name) {
  const dir = join(root, "node_modules", name);
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  return Boolean(
    pkg.types ||
      pkg.typings ||
      existsSync(join(dir, "index.d.ts")) ||
      JSON.stringify(pkg.exports ?? {}).includes('"types"'),
  );
}

/** dist-relative path ("core/x.js" / "core/x.d.ts") of a relative specifier in `from`. */
function target(from, spec, kind) {
  const abs = resolve(dirname(join(dist, from)), spec);
  const rel = relative(dist, abs).split(sep).join("/");
  if (!rel.endsWith(".js")) throw new Error(`pack: ${from} imports "${spec}", which is not a .js path`);
  return kind === "dts" ? rel.replace(/\.js$/, ".d.ts") : rel;
}

/** Files reached from a package's entries, per kind: runtime (.js) and types (.d.ts). */
function closure(entries) {
  const reached = { js: new Set(), dts: new Set() };
  for (const kind of ["js", "dts"]) {
    const todo = entries.map((e) => (kind === "js" ? `${e}.js` : `${e}.d.ts`));
    while (todo.length > 0) {
      const f = todo.pop();
      if (reached[kind].has(f)) continue;
      if (!existsSync(join(dist, f))) throw new Error(`pack: ${f} is imported but was not built`);
      reached[kind].add(f);
      for (const s of specifiers(join(dist, f))) {
        if (s.startsWith(".")) todo.push(target(f, s, kind));
      }
    }
  }
  return reached;
}

const owner = { js: new Map(), dts: new Map() };
const staged = [];
for (const p of PACKAGES) {
  const name = `${SCOPE}/${p.short}`;
  const reached = closure(Object.values(p.entries));
  const own = { js: [], dts: [] };
  for (const kind of ["js", "dts"]) {
    for (const f of [...reached[kind]].sort()) {
      if (!owner[kind].has(f)) {
        owner[kind].set(f, p);
        own[kind].push(f);
      }
    }
  }

  const dir = join(out, p.short);
  rmSync(dir, { recursive: true, force: true });
  const deps = new Map();
  const uses = new Set();
  const typesDeps = new Map();
  const problems = [];
  const lowerPeers = new Map();
  for (const lower of staged)
    for (const [n, r] of Object.entries(lower.pkg.peerDependencies ?? {})) lowerPeers.set(n, r);

  // A peer of a lower package that this package's closure reaches at run time must be a real
  // dependency here (the server runs the guard, so it depends on fastify itself).
  for (const f of reached.js) {
    if (owner.js.get(f) === p) continue;
    for (const s of specifiers(join(dist, f))) {
      if (!s.startsWith(".") && !isBuiltin(s) && lowerPeers.has(packageName(s)))
        deps.set(packageName(s), null);
    }
  }

  for (const kind of ["js", "dts"]) {
    for (const f of own[kind]) {
      const text = readFileSync(join(dist, f), "utf8");
      const rewritten = rewrite(text, (s) => {
        if (s.startsWith(".")) {
          const t = target(f, s, kind);
          const o = owner[kind].get(t);
          if (o === p) return s;
          if (!o) throw new Error(`pack: ${f} reaches ${t}, which no package holds`);
          uses.add(o.short);
          const sub = Object.entries(o.entries).find(([, e]) => t === `${e}.js` || t === `${e}.d.ts`)?.[0];
          if (sub !== undefined) return `${SCOPE}/${o.short}${sub.slice(1)}`;
          return `${SCOPE}/${o.short}/_internal/${t.replace(/\.d\.ts$/, ".js")}`;
        }
        if (isBuiltin(s)) return s;
        const n = packageName(s);
        if (!p.peers?.[n] && !deps.has(n)) deps.set(n, null);
        return s;
      });
      mkdirSync(dirname(join(dir, "dist", f)), { recursive: true });
      writeFileSync(join(dir, "dist", f), rewritten);
    }
  }

  // Declarations that import a package without its own types need its @types package (the same
  // one the repository compiles against), and declarations that use Node's own modules need
  // @types/node (any version: the consumer's own wins), so a TypeScript consumer adds no @types.
  for (const f of own.dts) {
    const text = readFileSync(join(dist, f), "utf8");
    for (const s of specifiers(join(dist, f))) {
      if (s.startsWith(".")) continue;
      if (isBuiltin(s)) {
        typesDeps.set("@types/node", "*");
        continue;
      }
      const n = packageName(s);
      const types = `@types/${n.startsWith("@") ? n.slice(1).replace("/", "__") : n}`;
      if (rootPkg.devDependencies?.[types] && !hasOwnTypes(n))
        typesDeps.set(types, `^${rootPkg.devDependencies[types]}`);
    }
    if (/\bBuffer\b|\bNodeJS\./.test(text)) typesDeps.set("@types/node", "*");
  }

  const dependencies = {};
  for (const short of [...uses].sort()) dependencies[`${SCOPE}/${short}`] = VERSION;
  for (const n of [...deps.keys()].sort()) {
    const v = rootPkg.dependencies?.[n];
    if (v === undefined) problems.push(`${n} is imported but is not a dependency of the root package.json`);
    else dependencies[n] = /^\d/.test(v) ? `^${v}` : v;
  }
  for (const [n, v] of [...typesDeps].sort()) dependencies[n] = v;
  if (problems.length > 0) {
    console.error(`pack: ${name}:\n  ${problems.join("\n  ")}`);
    process.exit(1);
  }

  for (const a of p.assets ?? []) {
    const from = join(dist, a);
    mkdirSync(join(dir, "dist", a), { recursive: true });
    for (const n of readdirSync(from)) copyFileSync(join(from, n), join(dir, "dist", a, n));
  }
  if (p.bin) {
    mkdirSync(join(dir, "bin"), { recursive: true });
    copyFileSync(join(root, "bin", "baton.js"), join(dir, "bin", "baton.js"));
  }
  for (const doc of ["README.md", "LICENSE", "CHANGELOG.md"]) copyFileSync(join(root, doc), join(dir, doc));

  const pkg = {
    name,
    version: VERSION,
    description: p.description,
    type: "module",
    license: rootPkg.license,
    engines: ENGINES,
    ...(p.bin ? { bin: p.bin } : {}),
    exports: {
      ...Object.fromEntries(
        Object.entries(p.entries).map(([sub, e]) => [
          sub,
          // `default` serves require() of this ES module (unflagged on Node >= 22.12 and 20.19).
          { types: `./dist/${e}.d.ts`, import: `./dist/${e}.js`, default: `./dist/${e}.js` },
        ]),
      ),
      // Not public API: how the higher Baton packages reach this one's modules (same version only).
      ...(p.short !== "server"
        ? { "./_internal/*.js": { types: "./dist/*.d.ts", import: "./dist/*.js", default: "./dist/*.js" } }
        : {}),
    },
    types: `./dist/${p.entries["."]}.d.ts`,
    files: ["dist", ...(p.bin ? ["bin"] : []), "README.md", "LICENSE", "CHANGELOG.md"],
    dependencies,
    ...(p.peers
      ? {
          peerDependencies: p.peers,
          peerDependenciesMeta: Object.fromEntries(Object.keys(p.peers).map((n) => [n, { optional: true }])),
        }
      : {}),
    keywords: ["agents", "delegation", "capability-tokens", "aat", "mcp", "authorization"],
  };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  staged.push({ p, pkg, dir, own });
}

mkdirSync(out, { recursive: true });
const summary = [];
for (const s of staged) {
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--pack-destination", out], {
      cwd: s.dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }),
  )[0];
  const tarball = join(out, packed.filename);
  summary.push({
    name: s.pkg.name,
    version: s.pkg.version,
    tarball,
    files: packed.files.map((f) => f.path).sort(),
    size: packed.size,
    dependencies: s.pkg.dependencies,
    peerDependencies: s.pkg.peerDependencies ?? {},
  });
  log(
    `${s.pkg.name}: ${relative(process.cwd(), tarball)} (${packed.files.length} files, ${Math.round(packed.size / 1024)} kB; deps ${Object.keys(s.pkg.dependencies).join(", ") || "none"})`,
  );
}
if (asJson) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
