/**
 * Signs checkpoints of the audit head on a schedule: every `intervalMs`, after every
 * `everyEvents` appends, and once more when the store closes. A checkpoint is written only when
 * the head has moved past this node's latest one, so an idle node adds nothing; a head *below*
 * this node's latest checkpoint (a cut-off tail) is never signed over, it is reported.
 *
 * @example
 *   const store = openSqliteStore({ path, checkpoints: { key: loadNodeKey("data/node.key") } });
 */
import { type AuditCheckpoint, signCheckpoint, verifyCheckpoint } from "../core/audit/checkpoint.ts";
import type { AgentKey } from "../core/keys/agent-key.ts";
import type { AuditCheckpointRecord, AuditHead, CheckpointSigner } from "./types.ts";

export type { CheckpointSigner } from "./types.ts";

/** Default time between checkpoints while events arrive. */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 10_000;
/** Default number of appends after which a checkpoint is due. */
export const DEFAULT_CHECKPOINT_EVERY_EVENTS = 1000;

export interface CheckpointOptions {
  /** The node key (see `loadNodeKey`). Its id is the node id of every checkpoint. */
  key: AgentKey;
  /** Default 10 000 ms; 0 disables the timer. */
  intervalMs?: number;
  /** Default 1000 appends; 0 disables counting. */
  everyEvents?: number;
  /** Called when a checkpoint cannot be written (the schedule continues). Default: ignored. */
  onError?: (error: Error) => void;
}

/** The part of a store the checkpointer uses. */
export interface CheckpointTarget {
  auditHead(): Promise<AuditHead>;
  latestAuditCheckpoint(node: string): Promise<AuditCheckpointRecord | null>;
  addAuditCheckpoint(checkpoint: AuditCheckpoint): Promise<void>;
}

/**
 * A stored checkpoint row that is not what its JWS says: the signature does not verify under the
 * row's node, or its `seq`/`hash`/`at` columns differ from the signed payload. Such a row is never
 * trusted (not by the checkpointer, not by a check); `audit check` reports it as `checkpoint_invalid`.
 */
export class CheckpointInvalidError extends Error {
  override readonly name = "CheckpointInvalidError";
  readonly reason = "checkpoint_invalid";
}

/**
 * Verifies a stored row: its JWS (signed by the row's `node`, and by one of `trustedNodes` when
 * given) and that every column equals the signed payload. Never throws.
 */
export function verifyStoredCheckpoint(
  row: AuditCheckpoint & { id?: number },
  trustedNodes?: ReadonlySet<string>,
): { ok: true; checkpoint: AuditCheckpoint } | { ok: false; message: string } {
  const v = verifyCheckpoint(row.jws, trustedNodes !== undefined ? { trustedNodes } : {});
  if (!v.ok) return v;
  const cp = v.checkpoint;
  const differs = (["node", "seq", "hash", "at"] as const).filter((k) => row[k] !== cp[k]);
  if (differs.length > 0) {
    return {
      ok: false,
      message: `the row's ${differs.join(", ")} ${differs.length === 1 ? "differs" : "differ"} from what its signature covers`,
    };
  }
  return { ok: true, checkpoint: cp };
}

/** The stored latest row of a node, verified; throws {@link CheckpointInvalidError} when it is not genuine. */
export function checkedLatest<T extends AuditCheckpoint & { id: number }>(
  node: string,
  row: T | null,
): T | null {
  if (row === null) return null;
  const v = verifyStoredCheckpoint(row, new Set([node]));
  if (!v.ok) throw new CheckpointInvalidError(`checkpoint #${row.id} of node ${node}: ${v.message}`);
  return row;
}

/** The error for a second, different checkpoint of the same node and seq. */
export function duplicateCheckpoint(c: AuditCheckpoint): CheckpointInvalidError {
  return new CheckpointInvalidError(
    `a different checkpoint of node ${c.node} at event ${c.seq} is already stored: refusing to replace or ignore it`,
  );
}

export class AuditCheckpointer {
  readonly #target: CheckpointTarget;
  readonly #key: AgentKey;
  readonly #clock: () => number;
  readonly #everyEvents: number;
  readonly #onError: (error: Error) => void;
  readonly #timer: ReturnType<typeof setInterval> | undefined;
  readonly #intervalMs: number;
  /** The last checkpoint this process signed: trusted over any stored row (which may be planted). */
  #last: { seq: number; hash: string } | null = null;
  #appended = 0;
  #running: Promise<AuditCheckpoint | null> | null = null;
  #again = false;
  #stopped = false;

  constructor(target: CheckpointTarget, options: CheckpointOptions, clock: () => number) {
    this.#target = target;
    this.#key = options.key;
    this.#clock = clock;
    this.#everyEvents = options.everyEvents ?? DEFAULT_CHECKPOINT_EVERY_EVENTS;
    this.#onError = options.onError ?? (() => {});
    const interval = options.intervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
    this.#intervalMs = interval;
    if (interval > 0) {
      this.#timer = setInterval(() => void this.checkpoint().catch(this.#onError), interval);
      this.#timer.unref();
    }
  }

  /** The node id checkpoints are signed under. */
  get node(): string {
    return this.#key.id;
  }

  /** The node id and schedule (for a check's stall report). */
  get signer(): CheckpointSigner {
    return { node: this.#key.id, everyEvents: this.#everyEvents, intervalMs: this.#intervalMs };
  }

  /** Counts committed appends; starts a checkpoint when `everyEvents` have accumulated. */
  appended(n = 1): void {
    if (this.#everyEvents <= 0 || this.#stopped) return;
    this.#appended += n;
    if (this.#appended >= this.#everyEvents) void this.checkpoint().catch(this.#onError);
  }

  /**
   * Signs the current head if it moved past this node's latest checkpoint; returns what it wrote
   * (null when nothing was due). Calls while one runs are folded into one more run after it.
   */
  checkpoint(): Promise<AuditCheckpoint | null> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        let written: AuditCheckpoint | null;
        do {
          this.#again = false;
          written = await this.#once();
        } while (this.#again);
        return written;
      } finally {
        this.#running = null;
      }
    })();
    return this.#running;
  }

  async #once(): Promise<AuditCheckpoint | null> {
    this.#appended = 0;
    const head = await this.#target.auditHead();
    if (head.lastId === 0) return null;
    // What this process signed last, else the node's latest stored row, verified (a row whose
    // columns differ from its signature throws CheckpointInvalidError: nothing is signed over it).
    const latest =
      this.#last ?? checkedLatest(this.#key.id, await this.#target.latestAuditCheckpoint(this.#key.id));
    if (latest !== null && head.lastId <= latest.seq) {
      if (head.lastId < latest.seq || head.lastHash !== latest.hash) {
        throw new Error(
          `audit head ${head.lastId} is not the event this node checkpointed at ${latest.seq}: not signing over it (run audit check)`,
        );
      }
      return null;
    }
    const checkpoint = signCheckpoint(this.#key, {
      seq: head.lastId,
      hash: head.lastHash,
      at: this.#clock(),
    });
    await this.#target.addAuditCheckpoint(checkpoint);
    this.#last = { seq: checkpoint.seq, hash: checkpoint.hash };
    return checkpoint;
  }

  /** Stops the schedule and writes a last checkpoint. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    try {
      await this.#running?.catch(() => null);
      await this.checkpoint();
    } catch (error) {
      this.#onError(error as Error);
    }
  }
}
