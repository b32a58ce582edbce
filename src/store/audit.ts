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
import { z } from "zod";
import { canonicalize } from "../core/json/canonicalize.ts";
import { dbInt } from "./records.ts";
import type { AuditCheckResult } from "./types.ts";

export const AUDIT_EVENT_TYPES = [
  "decision",
  "token_recorded",
  "revocation",
  "revocation_refused",
  "approval",
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

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

/** A raw audit row as both SQL backends return it (data as JSON text, integers maybe as strings). */
const auditRowSchema = z.object({
  id: dbInt,
  at: dbInt,
  type: z.string(),
  intent: z.string().nullable(),
  agent: z.string().nullable(),
  data: z.string(),
  prev_hash: z.string(),
  hash: z.string(),
});

/** Parses a stored row; `null` when it is not a well-formed event (a tampered row, for instance). */
export function auditEventFromRow(row: unknown): AuditEvent | null {
  const parsedRow = auditRowSchema.safeParse(row);
  if (!parsedRow.success) return null;
  const r = parsedRow.data;
  let data: unknown;
  try {
    data = JSON.parse(r.data);
  } catch {
    return null;
  }
  const parsed = auditEventSchema.safeParse({
    id: r.id,
    at: r.at,
    type: r.type,
    data,
    prev_hash: r.prev_hash,
    hash: r.hash,
    ...(r.intent !== null ? { intent: r.intent } : {}),
    ...(r.agent !== null ? { agent: r.agent } : {}),
  });
  if (!parsed.success) return null;
  const e = parsed.data;
  return {
    id: e.id,
    at: e.at,
    type: e.type,
    ...(e.intent !== undefined ? { intent: e.intent } : {}),
    ...(e.agent !== undefined ? { agent: e.agent } : {}),
    data: e.data as Record<string, unknown>,
    prev_hash: e.prev_hash,
    hash: e.hash,
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
  const parsed = dbInt.safeParse((row as { id?: unknown } | null)?.id);
  return parsed.success ? parsed.data : null;
}

type ChainBreak = Extract<AuditCheckResult, { ok: false }>;

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
    if (hashAuditEvent(body) !== hash) {
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

  /** Compares the end of the chain with the head the store keeps. */
  finish(head: { lastId: number; lastHash: string }): AuditCheckResult {
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

/** Serializes one event as a JSON Lines record (JCS, so the line is stable evidence). */
export function auditJsonLine(event: AuditEvent): string {
  return `${canonicalize(event)}\n`;
}
