/**
 * The audit log's hash chain. Each event stores `prev_hash`, the `hash` of the event before it
 * (GENESIS_HASH for the first), and its own `hash`: SHA-256 (hex) of the RFC 8785 (JCS)
 * serialization of every field but `hash`. Ids are contiguous from 1, and a head remembers the
 * last id and hash, so a check finds an altered event (hash_mismatch), a removed one (missing);
 * signed checkpoints (`./checkpoint.ts`) add a cut-off tail (tail_missing). Pure.
 *
 * @example
 *   const e1 = sealAuditEvent({ type: "approval", data: {}, at: 1 }, { lastId: 0, lastHash: GENESIS_HASH });
 *   const chain = new AuditChainVerifier();
 *   chain.push(e1, e1.id); chain.finish({ lastId: 1, lastHash: e1.hash }); // { ok: true, count: 1, … }
 */
import { jcs, sha256hex } from "../encoding.ts";
import type { AuditEvent, AuditEventType } from "./event.ts";

/** prev_hash of the first event. */
export const GENESIS_HASH = "0".repeat(64);

/** The reasons a check reports (see `AuditBreakReason`). */
export const AUDIT_BREAK_REASONS = [
  "malformed",
  "hash_mismatch",
  "prev_hash_mismatch",
  "missing",
  "tail_missing",
  "checkpoint_mismatch",
  "checkpoint_invalid",
] as const;

/**
 * Why a check failed. The first four are breaks of the chain itself; `tail_missing`: the head is
 * below a valid checkpoint (events were cut off the end and the head moved); `checkpoint_mismatch`:
 * the event at a checkpointed seq is not the one that was signed (the log was rewritten);
 * `checkpoint_invalid`: a checkpoint does not verify (bad signature, malformed, untrusted node).
 */
export type AuditBreakReason = (typeof AUDIT_BREAK_REASONS)[number];

export interface AuditBreak {
  ok: false;
  /**
   * The first event at which the log breaks (for a removed event: the missing id; for a cut-off
   * tail: the first missing id; 0 for an invalid checkpoint, which names no event).
   */
  id: number;
  reason: AuditBreakReason;
  message: string;
}

/** The last event id and hash a log's head holds (0 and GENESIS_HASH when empty). */
export interface AuditHead {
  lastId: number;
  lastHash: string;
}

export type AuditCheckResult =
  | {
      ok: true;
      count: number;
      headHash: string;
      /** Checkpoints verified (stored and given); `latest` is the one with the highest seq. */
      checkpoints: {
        count: number;
        latest?: { node: string; seq: number; at: number };
        /**
         * This node stopped signing: its latest checkpoint (`seq`, 0 when none) lags the head by
         * more than its `everyEvents` and is older than twice its interval. The chain itself is intact.
         */
        stalled?: { node: string; seq: number; head: number; message: string };
      };
    }
  | AuditBreak;

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
  return jcs(form);
}

export function hashAuditEvent(event: Omit<AuditEvent, "hash">): string {
  return sha256hex(canonicalAuditForm(event));
}

/** Builds the next event of the chain (the caller holds the append lock and stores the result). */
export function sealAuditEvent(
  input: { type: AuditEventType; intent?: string; agent?: string; data: Record<string, unknown>; at: number },
  head: AuditHead,
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

/** The chain's own verdict, before checkpoints are considered. */
export type ChainResult = { ok: true; count: number; headHash: string } | AuditBreak;

/**
 * Checks a chain fed in id order, one event at a time, so a caller can page through any size.
 * @example
 *   const chain = new AuditChainVerifier();
 *   for (const e of events) { const broken = chain.push(e, e.id); if (broken) return broken; }
 *   return chain.finish(head);
 */
export class AuditChainVerifier {
  #expectedId = 1;
  #prevHash = GENESIS_HASH;
  #count = 0;

  /**
   * Feeds the next event, or null for one that is not well formed (with its id when known);
   * returns the break, or null while the chain holds.
   */
  push(event: AuditEvent | null, id: number | null): AuditBreak | null {
    const at = event?.id ?? id;
    if (at !== null && at > this.#expectedId) {
      return broken(this.#expectedId, "missing", `event ${this.#expectedId} is missing (next is ${at})`);
    }
    if (event === null) {
      return broken(at ?? this.#expectedId, "malformed", `event ${at ?? "?"} is not a well-formed event`);
    }
    if (event.id < this.#expectedId) {
      return broken(event.id, "malformed", `event ${event.id} is out of order`);
    }
    if (event.prev_hash !== this.#prevHash) {
      return broken(event.id, "prev_hash_mismatch", `event ${event.id} does not follow the previous one`);
    }
    const { hash, ...body } = event;
    let computed: string | null;
    try {
      computed = hashAuditEvent(body);
    } catch {
      computed = null;
    }
    if (computed !== hash) {
      return broken(event.id, "hash_mismatch", `event ${event.id} was altered (its hash does not match)`);
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

  /** Compares the end of the chain with the head the log keeps. */
  finish(head: AuditHead): ChainResult {
    if (head.lastId >= this.#expectedId) {
      return broken(
        this.#expectedId,
        "missing",
        `event ${this.#expectedId} is missing (the log ends before its head ${head.lastId})`,
      );
    }
    if (head.lastId !== this.#expectedId - 1 || head.lastHash !== this.#prevHash) {
      return broken(head.lastId + 1, "malformed", "the audit head does not match the last event");
    }
    return { ok: true, count: this.#count, headHash: this.#prevHash };
  }
}

function broken(id: number, reason: AuditBreakReason, message: string): AuditBreak {
  return { ok: false, id, reason, message };
}

/** Serializes one event as a JSON Lines record (JCS, so the line is stable evidence). */
export function auditJsonLine(event: AuditEvent): string {
  return `${jcs(event)}\n`;
}
