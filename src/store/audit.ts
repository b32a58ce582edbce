/**
 * Audit rows as the SQL backends (and the memory store, which mimics them) keep them: parsing a
 * stored row into an event, and checking a chain row by row. The event model and the chain
 * itself are the core's (`src/core/audit/`).
 *
 * @example
 *   const checker = new AuditChainChecker();
 *   for (const row of rows) { const broken = checker.push(row); if (broken) return broken; }
 *   return checker.finish(head);
 */
import {
  type AuditBreak,
  AuditChainVerifier,
  type AuditHead,
  type ChainResult,
} from "../core/audit/chain.ts";
import { AUDIT_EVENT_TYPES, type AuditEvent, type AuditEventType } from "../core/audit/event.ts";

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
 * `auditEventSchema` (core/audit/event.ts): it runs for every row of a check and of every listing, so it avoids zod.
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

/** Checks a chain fed in id order, one stored row at a time, so a backend can page through any size. */
export class AuditChainChecker {
  readonly #chain = new AuditChainVerifier();

  /** Feeds the next stored row (raw); returns the break, or null while the chain holds. */
  push(row: unknown): AuditBreak | null {
    return this.#chain.push(auditEventFromRow(row), rawRowId(row));
  }

  /** The id of the last event accepted so far (0 before any). */
  get lastId(): number {
    return this.#chain.lastId;
  }

  /** Compares the end of the chain with the head the store keeps. */
  finish(head: AuditHead): ChainResult {
    return this.#chain.finish(head);
  }
}
