/**
 * The CLI's typed inputs: key files, trust anchors, chains and presentations, each read from a path
 * or `-`, parsed strictly and validated; every problem is a one-line {@link UsageError}.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import {
  AgentKey,
  BatonError,
  importPublicJwk,
  type JsonValue,
  type PublicJwk,
  type TrustAnchor,
} from "../core/index.ts";
import type { CliContext } from "./context.ts";
import { UsageError } from "./errors.ts";
import { checkPrivateKeyMode, parseJsonText, readKeySource, readSource, validate } from "./io.ts";
import {
  anchorSchema,
  chainFileSchema,
  idFileSchema,
  presentationFileSchema,
  privateKeyFileSchema,
  publicKeyFileSchema,
  vectorAnchorSchema,
} from "./schemas.ts";

/** A public key read from a key file, with its agent id and display name. */
export interface LoadedPublicKey {
  id: string;
  jwk: PublicJwk;
  name?: string;
  /** True when the file held the private key. */
  private: boolean;
}

function isObject(v: JsonValue): v is { [k: string]: JsonValue } {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Validates a parsed key file of any accepted shape into its public part. */
export function readKeyValue(value: JsonValue, what: string): LoadedPublicKey {
  if (!isObject(value)) throw new UsageError(`${what}: not a JWK (expected a JSON object)`);
  let jwk: PublicJwk;
  let name: string | undefined;
  let claimedId: string | undefined;
  let isPrivate = false;
  if (Object.hasOwn(value, "d")) {
    const k = validate(privateKeyFileSchema, value, what);
    try {
      AgentKey.fromJwk(k);
    } catch (e) {
      throw new UsageError(`${what}: ${(e as Error).message}`);
    }
    jwk = { kty: k.kty, crv: k.crv, x: k.x };
    name = k.name;
    isPrivate = true;
  } else if (Object.hasOwn(value, "jwk")) {
    const k = validate(idFileSchema, value, what);
    jwk = k.jwk;
    name = k.name;
    claimedId = k.id;
  } else {
    const k = validate(publicKeyFileSchema, value, what);
    jwk = { kty: k.kty, crv: k.crv, x: k.x };
    name = k.name;
  }
  const key = importPublicJwk(jwk);
  if (!key.ok) throw new UsageError(`${what}: not an acceptable Ed25519 public key: ${key.reason}`);
  if (claimedId !== undefined && claimedId !== key.key.id) {
    throw new UsageError(`${what}: id does not match the key's thumbprint (${key.key.id})`);
  }
  return { id: key.key.id, jwk: key.key.jwk, private: isPrivate, ...(name !== undefined ? { name } : {}) };
}

/** Reads and parses a key file; one holding a private key must not be open to group or others. */
async function readKeyFile(ctx: CliContext, source: string, what: string): Promise<JsonValue> {
  const { text, mode } = await readKeySource(ctx, source, "key file");
  const value = parseJsonText(text, what);
  if (isObject(value) && Object.hasOwn(value, "d")) checkPrivateKeyMode(source, mode);
  return value;
}

/** A private key file → the agent's key. A public key file is refused with a hint. */
export async function loadAgentKey(ctx: CliContext, source: string): Promise<AgentKey> {
  const what = `key file ${source}`;
  const value = await readKeyFile(ctx, source, what);
  if (isObject(value) && !Object.hasOwn(value, "d")) {
    readKeyValue(value, what); // a clearer error for malformed files first
    throw new UsageError(`${what} holds a public key; this command needs the private key file`);
  }
  const k = validate(privateKeyFileSchema, value, what);
  try {
    return AgentKey.fromJwk(k);
  } catch (e) {
    if (e instanceof BatonError) throw new UsageError(`${what}: ${e.message}`);
    throw e;
  }
}

/** A private or public key file → its public key and id. */
export async function loadPublicKey(ctx: CliContext, source: string): Promise<LoadedPublicKey> {
  const value = await readKeyFile(ctx, source, `key file ${source}`);
  return readKeyValue(value, `key file ${source}`);
}

/** Validates a parsed trust-anchor file. */
export function readAnchorsValue(value: JsonValue, what: string): TrustAnchor[] {
  if (!Array.isArray(value)) throw new UsageError(`${what}: expected a JSON array of {"issuer", "jwk"}`);
  return value.map((entry, i) => {
    const at = `${what}: entry ${i}`;
    const a =
      isObject(entry) && Object.hasOwn(entry, "iss")
        ? (({ iss, jwk }) => ({ issuer: iss, jwk }))(validate(vectorAnchorSchema, entry, at))
        : validate(anchorSchema, entry, at);
    const key = importPublicJwk(a.jwk);
    if (!key.ok) throw new UsageError(`${at}: not an acceptable Ed25519 public key: ${key.reason}`);
    return { issuer: a.issuer, jwk: key.key.jwk };
  });
}

/** A trust-anchor file → anchors (at least one). */
export async function loadAnchors(ctx: CliContext, source: string): Promise<TrustAnchor[]> {
  const what = `trust-anchor file ${source}`;
  const anchors = readAnchorsValue(
    parseJsonText(await readSource(ctx, source, "trust-anchor file"), what),
    what,
  );
  if (anchors.length === 0) throw new UsageError(`${what} holds no trust anchors`);
  return anchors;
}

/** A chain file → its compact tokens, root first. */
export async function loadChain(ctx: CliContext, source: string): Promise<string[]> {
  const what = `chain file ${source}`;
  const value = parseJsonText(await readSource(ctx, source, "chain file"), what);
  if (isObject(value) && Object.hasOwn(value, "aat_chain")) {
    throw new UsageError(`${what} is a presentation; pass a chain file (a JSON array of tokens)`);
  }
  return validate(chainFileSchema, value, what);
}

/** A chain or presentation file, for `inspect`. */
export async function loadChainOrPresentation(
  ctx: CliContext,
  source: string,
): Promise<{ chain: string[]; pop?: string }> {
  const what = `file ${source}`;
  const value = parseJsonText(await readSource(ctx, source, "chain or presentation file"), what);
  if (Array.isArray(value)) return { chain: validate(chainFileSchema, value, what) };
  const p = validate(presentationFileSchema, value, what);
  return { chain: p.aat_chain, pop: p.aat_pop };
}

/**
 * Display names from a directory of key files (`--names DIR`): each file's `name` member, else its
 * file name without extension. Files that are not key files are skipped.
 */
export async function loadNames(ctx: CliContext, dir: string): Promise<Map<string, string>> {
  let entries: string[];
  try {
    entries = (await readdir(dir)).sort();
  } catch {
    throw new UsageError(`cannot read names directory ${dir}`);
  }
  const names = new Map<string, string>();
  for (const file of entries) {
    if (!/\.(json|jwk|key|pub)$/i.test(file)) continue;
    try {
      const key = await loadPublicKey(ctx, join(dir, file));
      if (!names.has(key.id)) names.set(key.id, key.name ?? file.replace(/\.[^.]+$/, ""));
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
    }
  }
  return names;
}
