/**
 * Audit events and their hash chain.
 *
 * Each event stores `prev_hash`, the `hash` of the event before it (GENESIS_HASH for the first),
 * and its own `hash`: SHA-256 (hex) of the RFC 8785 (JCS) serialization of every field but `hash`.
 * Ids are contiguous from 1, and a head row remembers the last id and hash, so a check finds an
 * altered row (hash_mismatch), a removed one (missing) and a cut-off tail (missing).
 *
 * @example
 *   const event = await store.appendAudit({ type: "decision", intent, agent, data: { allow: false, code: "revoked", jtis } });
 *   const result = await store.checkAudit(); // { ok: true, count, headHash } or the first broken id
 */
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { z } from "zod";
import type { AuditBreak, AuditHead } from "./types.ts";

export const AUDIT_EVENT_TYPES = [
  "decision",
  "token_recorded",
  "revocation",
  "revocation_refused",
  "approval",
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** The reasons `checkAudit` reports (see `AuditBreakReason`). */
export const AUDIT_BREAK_REASONS = [
  "malformed",
  "hash_mismatch",
  "prev_hash_mismatch",
  "missing",
  "tail_missing",
  "checkpoint_mismatch",
  "checkpoint_invalid",
] as const;

/** prev_hash of the first event. */
export const GENESIS_HASH = "0".repeat(64);

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const jsonObject = z.record(z.string(), z.json());

export const auditEventSchema = z.object({
  id: z.int().min(1),
  at: z.int().min(0),
  type: z.enum(AUDIT_EVENT_TYPES),
  intent: z.string().min(1).optional(),
  agent: z.string().min(1).optional(),
  data: jsonObject,
  prev_hash: hex64,
  hash: hex64,
});

/** A stored audit event. Optional members are absent, never undefined. */
export interface AuditEvent {
  id: number;
  /** Unix ms. */
  at: number;
  type: AuditEventType;
  intent?: string;
  agent?: string;
  data: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/** Keys that would carry raw call arguments: refused in decision data (only their hash belongs there). */
const RAW_ARGUMENT_KEYS = ["args", "arguments", "hta", "input", "params"];

/**
 * The data of a `decision` event. Extra JSON members are allowed, raw arguments are not.
 * @example { allow: false, code: "scope_widened", step: "4n", token_index: 2, jtis: ["…"], tool: "read_file", args_sha256: "…" }
 */
export const decisionDataSchema = z
  .object({
    allow: z.boolean(),
    code: z.string().min(1),
    step: z.string().optional(),
    token_index: z.int().min(0).optional(),
    jtis: z.array(z.string()),
    tool: z.string().optional(),
    args_sha256: z.string().optional(),
  })
  .catchall(z.json())
  .refine((data) => RAW_ARGUMENT_KEYS.every((key) => !(key in data)), {
    message: `decision data must not carry raw arguments (${RAW_ARGUMENT_KEYS.join(", ")}); store args_sha256`,
  });

export const auditInputSchema = z
  .object({
    type: z.enum(AUDIT_EVENT_TYPES),
    intent: z.string().min(1).optional(),
    agent: z.string().min(1).optional(),
    data: jsonObject,
    at: z.int().min(0).optional(),
  })
  .superRefine((input, ctx) => {
    if (input.type !== "decision") return;
    const parsed = decisionDataSchema.safeParse(input.data);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: ["data", ...issue.path] });
    }
  });

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** The JCS form the hash covers: every field but `hash`, optional ones only when present. */
export function canonicalAuditForm(event: Omit<AuditEvent, "hash">): string {
  const form: Record<string, unknown> = {
    id: event.id,
    at: event.at,
    type: event.type,
    data: event.data,
    prev_hash: event.prev_hash,
  };
  if (event.intent !== undefined) form.intent = event.intent;
  if (event.agent !== undefined) form.agent = event.agent;
  const text = canonicalize(form);
  if (text === undefined) throw new TypeError("audit event is not serializable");
  return text;
}

export function hashAuditEvent(event: Omit<AuditEvent, "hash">): string {
  return sha256Hex(canonicalAuditForm(event));
}

/** Builds the next event of the chain (the caller holds the append lock and stores the result). */
export function sealAuditEvent(
  input: { type: AuditEventType; intent?: string; agent?: string; data: Record<string, unknown>; at: number },
  head: { lastId: number; lastHash: string },
): AuditEvent {
  const body: Omit<AuditEvent, "hash"> = {
    id: head.lastId + 1,
    at: input.at,
    type: input.type,
    ...(input.intent !== undefined ? { intent: input.intent } : {}),
    ...(input.agent !== undefined ? { agent: input.agent } : {}),
    data: input.data,
    prev_hash: head.lastHash,
  };
  return { ...body, hash: hashAuditEvent(body) };
}

/** A parsed input: optional members absent rather than undefined. */
export interface ParsedAuditInput {
  type: AuditEventType;
  intent?: string;
  agent?: string;
  data: Record<string, unknown>;
  at?: number;
}

/** Validates an append; throws a ZodError on bad input (a programmer error). */
export function parseAuditInput(input: unknown): ParsedAuditInput {
  const parsed = auditInputSchema.parse(input);
  return {
    type: parsed.type,
    data: parsed.data,
    ...(parsed.intent !== undefined ? { intent: parsed.intent } : {}),
    ...(parsed.agent !== undefined ? { agent: parsed.agent } : {}),
    ...(parsed.at !== undefined ? { at: parsed.at } : {}),
  };
}

const HEX64 = /^[0-9a-f]{64}$/;
const DB_INTEGER = /^-?\d+$/;
const EVENT_TYPES: ReadonlySet<string> = new Set(AUDIT_EVENT_TYPES);

/** An integer column as either SQL backend returns it (number, BIGINT string or bigint), or null. */
function rowInt(value: unknown): number | null {
  const n =
    typeof value === "number"
      ? value
      : typeof value === "bigint" || (typeof value === "string" && DB_INTEGER.test(value))
        ? Number(value)
        : Number.NaN;
  return Number.isSafeInteger(n) ? n : null;
}

/** True when every number in a JSON.parse result is finite (JSON.parse turns 1e400 into Infinity). */
function finiteJson(value: unknown): boolean {
  if (typeof value === "number") return Number.isFinite(value);
  if (value === null || typeof value !== "object") return true;
  if (Array.isArray(value)) return value.every(finiteJson);
  for (const key in value) if (!finiteJson((value as Record<string, unknown>)[key])) return false;
  return true;
}

function optionalText(value: unknown): string | undefined | null {
  if (value === null || value === undefined) return undefined;
  return typeof value === "string" && value.length > 0 ? value : null;
}

/**
 * Parses a stored row (data as JSON text, integers maybe as strings); `null` when it is not a
 * well-formed event (a tampered row, for instance). An explicit parser with the rules of
 * `auditEventSchema`: it runs for every row of a check and of every listing, so it avoids zod.
 */
export function auditEventFromRow(row: unknown): AuditEvent | null {
  if (row === null || typeof row !== "object") return null;
  const r = row as Record<string, unknown>;
  const id = rowInt(r.id);
  const at = rowInt(r.at);
  if (id === null || id < 1 || at === null || at < 0) return null;
  if (typeof r.type !== "string" || !EVENT_TYPES.has(r.type)) return null;
  const intent = optionalText(r.intent);
  const agent = optionalText(r.agent);
  if (intent === null || agent === null) return null;
  if (typeof r.prev_hash !== "string" || !HEX64.test(r.prev_hash)) return null;
  if (typeof r.hash !== "string" || !HEX64.test(r.hash)) return null;
  if (typeof r.data !== "string") return null;
  let data: unknown;
  try {
    data = JSON.parse(r.data);
  } catch {
    return null;
  }
  if (data === null || typeof data !== "object" || Array.isArray(data) || !finiteJson(data)) return null;
  return {
    id,
    at,
    type: r.type as AuditEventType,
    ...(intent !== undefined ? { intent } : {}),
    ...(agent !== undefined ? { agent } : {}),
    data: data as Record<string, unknown>,
    prev_hash: r.prev_hash,
    hash: r.hash,
  };
}

/** Like `auditEventFromRow`, for reads that must not continue on a bad row. */
export function requireAuditEvent(row: unknown): AuditEvent {
  const event = auditEventFromRow(row);
  if (event === null) {
    const id = (row as { id?: unknown } | null)?.id;
    throw new Error(`audit row ${String(id)} is malformed (run checkAudit)`);
  }
  return event;
}

/** The id of a raw row, even a malformed one, to name it in a report. */
export function rawRowId(row: unknown): number | null {
  return rowInt((row as { id?: unknown } | null)?.id);
}

type ChainBreak = AuditBreak;
type ChainResult = { ok: true; count: number; headHash: string } | AuditBreak;

/**
 * Checks a chain fed in id order, one row at a time, so a backend can page through any size.
 * @example
 *   const checker = new AuditChainChecker();
 *   for (const row of rows) { const broken = checker.push(row); if (broken) return broken; }
 *   return checker.finish(head);
 */
export class AuditChainChecker {
  #expectedId = 1;
  #prevHash = GENESIS_HASH;
  #count = 0;

  /** Feeds the next stored row (raw); returns the break, or null while the chain holds. */
  push(row: unknown): ChainBreak | null {
    const event = auditEventFromRow(row);
    const id = event?.id ?? rawRowId(row);
    if (id !== null && id > this.#expectedId) {
      return this.#break(this.#expectedId, "missing", `event ${this.#expectedId} is missing (next is ${id})`);
    }
    if (event === null) {
      return this.#break(
        id ?? this.#expectedId,
        "malformed",
        `event ${id ?? "?"} is not a well-formed event`,
      );
    }
    if (event.id < this.#expectedId) {
      return this.#break(event.id, "malformed", `event ${event.id} is out of order`);
    }
    if (event.prev_hash !== this.#prevHash) {
      return this.#break(
        event.id,
        "prev_hash_mismatch",
        `event ${event.id} does not follow the previous one`,
      );
    }
    const { hash, ...body } = event;
    let computed: string | null;
    try {
      computed = hashAuditEvent(body);
    } catch {
      computed = null;
    }
    if (computed !== hash) {
      return this.#break(
        event.id,
        "hash_mismatch",
        `event ${event.id} was altered (its hash does not match)`,
      );
    }
    this.#expectedId = event.id + 1;
    this.#prevHash = hash;
    this.#count += 1;
    return null;
  }

  /** The id of the last event accepted so far (0 before any). */
  get lastId(): number {
    return this.#expectedId - 1;
  }

  /** Compares the end of the chain with the head the store keeps. */
  finish(head: AuditHead): ChainResult {
    if (head.lastId >= this.#expectedId) {
      return this.#break(
        this.#expectedId,
        "missing",
        `event ${this.#expectedId} is missing (the log ends before its head ${head.lastId})`,
      );
    }
    if (head.lastId !== this.#expectedId - 1 || head.lastHash !== this.#prevHash) {
      return this.#break(head.lastId + 1, "malformed", "the audit head does not match the last event");
    }
    return { ok: true, count: this.#count, headHash: this.#prevHash };
  }

  #break(id: number, reason: ChainBreak["reason"], message: string): ChainBreak {
    return { ok: false, id, reason, message };
  }
}

/** Longest jti or token hash indexed as an event's reference. */
const MAX_REF = 4096;

/**
 * The token jtis and `sha256:` hashes an event concerns, for the per-token index: the chain
 * jtis of a decision, a recorded token's jti and hash, a revocation's token target.
 */
export function auditRefs(data: Record<string, unknown>): string[] {
  const refs = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === "string" && value.length > 0 && value.length <= MAX_REF) refs.add(value);
  };
  if (Array.isArray(data.jtis)) for (const jti of data.jtis) add(jti);
  add(data.jti);
  if (typeof data.hash === "string" && data.hash.startsWith("sha256:")) add(data.hash);
  const target = data.target as { kind?: unknown; id?: unknown } | null | undefined;
  if (target !== null && typeof target === "object" && target.kind === "token") add(target.id);
  return [...refs];
}

/** Serializes one event as a JSON Lines record (JCS, so the line is stable evidence). */
export function auditJsonLine(event: AuditEvent): string {
  return `${canonicalize(event)}\n`;
}
