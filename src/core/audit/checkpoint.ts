/**
 * Signed checkpoints of the audit log's head: a node's Ed25519 signature over "my log had `seq`
 * events and event `seq` hashed to `hash` at time `at`". Kept and exported outside the events
 * table, they make a cut-off tail visible: a log whose head is below a valid checkpoint has lost
 * events, even when its head row was moved to match.
 *
 * A checkpoint is a compact JWS, header `{"alg":"Ed25519","typ":"baton-checkpoint+jwt","jwk":…}`,
 * payload `{iss, seq, hash, at}`. It is self-certifying: `iss` must be the RFC 9278 thumbprint URI
 * of the header's `jwk`, so the node id names the one key that can sign for it (a checker that
 * knows a node's id needs no other key material; `trustedNodes` pins the accepted ids).
 *
 * @example
 *   const jws = signCheckpoint(nodeKey, { seq: 42, hash: event42.hash, at: Date.now() });
 *   const r = verifyCheckpoint(jws); // { ok: true, checkpoint: { node, seq, hash, at, jws } }
 */
import { b64urlDecode } from "../encoding.ts";
import { parseStrictJson } from "../json/strict-json.ts";
import type { AgentKey } from "../keys/agent-key.ts";
import { agentIdOf, importPublicJwk } from "../keys/public-key.ts";
import { ALG, signCompact, splitCompact } from "../token/jws.ts";

/** JWS `typ` of an audit checkpoint. */
export const CHECKPOINT_TYP = "baton-checkpoint+jwt";

/** Longest checkpoint JWS accepted (a real one is about 400 bytes). */
export const MAX_CHECKPOINT_SIZE = 2048;

const HEX64 = /^[0-9a-f]{64}$/;
const PAYLOAD_MEMBERS = new Set(["iss", "seq", "hash", "at"]);
const HEADER_MEMBERS = new Set(["alg", "typ", "jwk"]);

/** A verified checkpoint. */
export interface AuditCheckpoint {
  /** The signing node's id: the thumbprint URI of its key. */
  node: string;
  /** The id of the last event the log held. */
  seq: number;
  /** That event's hash (hex). */
  hash: string;
  /** Unix ms when the node signed it. */
  at: number;
  /** The compact JWS itself (the evidence to keep). */
  jws: string;
}

export type CheckpointResult = { ok: true; checkpoint: AuditCheckpoint } | { ok: false; message: string };

/** Signs a checkpoint of the head `seq`/`hash` at unix ms `at` with the node's key. */
export function signCheckpoint(
  key: AgentKey,
  head: { seq: number; hash: string; at: number },
): AuditCheckpoint {
  if (!Number.isSafeInteger(head.seq) || head.seq < 1) throw new RangeError("a checkpoint's seq is >= 1");
  if (!HEX64.test(head.hash)) throw new RangeError("a checkpoint's hash is 64 hex digits");
  if (!Number.isSafeInteger(head.at) || head.at < 0) throw new RangeError("a checkpoint's at is unix ms");
  const payload = { iss: key.id, seq: head.seq, hash: head.hash, at: head.at };
  const jws = signCompact({ alg: ALG, typ: CHECKPOINT_TYP, jwk: key.publicJwk }, payload, key);
  return { node: key.id, seq: head.seq, hash: head.hash, at: head.at, jws };
}

export interface VerifyCheckpointOptions {
  /** When given, only checkpoints of these node ids are accepted. */
  trustedNodes?: ReadonlySet<string>;
}

/** Verifies a checkpoint JWS: shape, the self-certifying key, the signature. Never throws. */
export function verifyCheckpoint(jws: unknown, options: VerifyCheckpointOptions = {}): CheckpointResult {
  if (typeof jws !== "string") return { ok: false, message: "the checkpoint is not a string" };
  if (jws.length > MAX_CHECKPOINT_SIZE) {
    return { ok: false, message: `the checkpoint is longer than ${MAX_CHECKPOINT_SIZE} characters` };
  }
  const split = splitCompact(jws);
  if (!split.ok) return { ok: false, message: `the checkpoint ${split.message}` };
  const { header, signingInput, signature, payloadB64 } = split.parts;
  for (const name of Object.keys(header)) {
    if (!HEADER_MEMBERS.has(name)) return { ok: false, message: `the checkpoint header has "${name}"` };
  }
  if (header.alg !== ALG) return { ok: false, message: 'the checkpoint alg is not "Ed25519"' };
  if (header.typ !== CHECKPOINT_TYP)
    return { ok: false, message: `the checkpoint typ is not "${CHECKPOINT_TYP}"` };
  const key = importPublicJwk(header.jwk);
  if (!key.ok) return { ok: false, message: `the checkpoint key is unusable: ${key.reason}` };
  const text = b64urlDecode(payloadB64)?.toString("utf8") ?? "";
  const parsed = parseStrictJson(text);
  if (!parsed.ok) return { ok: false, message: "the checkpoint payload is not strict JSON" };
  const p = parsed.value;
  if (p === null || typeof p !== "object" || Array.isArray(p)) {
    return { ok: false, message: "the checkpoint payload is not a JSON object" };
  }
  const o = p as Record<string, unknown>;
  for (const name of Object.keys(o)) {
    if (!PAYLOAD_MEMBERS.has(name)) return { ok: false, message: `the checkpoint payload has "${name}"` };
  }
  const { iss, seq, hash, at } = o;
  if (typeof iss !== "string" || iss !== agentIdOf(key.key.jwk)) {
    return { ok: false, message: "the checkpoint's iss is not the thumbprint URI of its key" };
  }
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) {
    return { ok: false, message: "the checkpoint's seq is not a positive integer" };
  }
  if (typeof hash !== "string" || !HEX64.test(hash)) {
    return { ok: false, message: "the checkpoint's hash is not 64 hex digits" };
  }
  if (typeof at !== "number" || !Number.isSafeInteger(at) || at < 0) {
    return { ok: false, message: "the checkpoint's at is not unix milliseconds" };
  }
  if (options.trustedNodes !== undefined && !options.trustedNodes.has(iss)) {
    return { ok: false, message: `the checkpoint is signed by ${iss}, which is not a trusted node` };
  }
  if (!key.key.verify(signingInput, signature)) {
    return { ok: false, message: `the checkpoint's signature does not verify under node ${iss}` };
  }
  return { ok: true, checkpoint: { node: iss, seq, hash, at, jws } };
}
