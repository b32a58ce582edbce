/**
 * The node key: this node's own Ed25519 key, used only to sign audit checkpoints (never a trust
 * anchor, never an agent). A private JWK file, created mode 0600 on first use when absent; an
 * existing file that group or others can read, or that is not a regular file (a symlink, say),
 * is refused rather than used.
 *
 * @example
 *   const key = loadNodeKey("./data/node.key"); // generated if missing
 *   key.id; // "urn:ietf:params:oauth:jwk-thumbprint:sha-256:…": the node id in checkpoints
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { BatonError } from "../core/errors.ts";
import { parseStrictJson } from "../core/json/strict-json.ts";
import { AgentKey } from "../core/keys/agent-key.ts";

/** File name of the node key inside the data directory. */
export const NODE_KEY_FILE = "node.key";

export interface LoadNodeKeyOptions {
  /** Generate the key when the file does not exist. Default true. */
  create?: boolean;
}

/** Reads (or first creates) the node key at `path`; throws `invalid_config` naming the file. */
export function loadNodeKey(path: string, options: LoadNodeKeyOptions = {}): AgentKey {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw refuse(path, describe(error));
    if (options.create === false) throw refuse(path, "the file does not exist");
    return createNodeKey(path);
  }
  if (!stat.isFile()) throw refuse(path, "it is not a regular file (symlinks are refused)");
  if ((stat.mode & 0o077) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, "0");
    throw refuse(path, `it is readable or writable by group or others (mode ${mode}); run chmod 600 on it`);
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw refuse(path, describe(error));
  }
  const parsed = parseStrictJson(text);
  if (!parsed.ok) throw refuse(path, "it does not hold a JSON private key");
  try {
    return AgentKey.fromJwk(parsed.value);
  } catch (error) {
    throw refuse(path, (error as Error).message);
  }
}

function createNodeKey(path: string): AgentKey {
  const key = AgentKey.generate("baton-node");
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    // O_EXCL: never follows or replaces something created meanwhile; O_NOFOLLOW for good measure.
    fd = openSync(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
  } catch (error) {
    throw refuse(path, `it cannot be created: ${describe(error)}`);
  }
  try {
    if ((fstatSync(fd).mode & 0o077) !== 0) throw refuse(path, "it was created readable by others");
    writeSync(fd, `${JSON.stringify(key.toPrivateJwk())}\n`);
  } finally {
    closeSync(fd);
  }
  return key;
}

function describe(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

function refuse(path: string, why: string): BatonError {
  return new BatonError("invalid_config", `node key ${path}: ${why}`);
}
