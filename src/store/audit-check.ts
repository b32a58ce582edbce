/**
 * `checkAudit` for every backend: walks the hash chain in bounded pages, yielding to the event
 * loop between pages (no long transaction, no frozen process), then holds the log against every
 * signed checkpoint of its head.
 *
 * Consistency without a snapshot: the head is read once, first, and only events up to it are
 * walked. Appends made during the walk only add ids above it, so they cannot disturb the result;
 * checkpoints are read up to a mark taken before the head, so a checkpoint signed during the walk
 * (of a head the walk did not read) cannot pass for a cut-off tail.
 */
import { type AuditCheckpoint, verifyCheckpoint } from "../core/audit/checkpoint.ts";
import { AuditChainChecker } from "./audit.ts";
import { verifyStoredCheckpoint } from "./checkpoints.ts";
import type { AuditCheckOptions, AuditCheckpointRecord, AuditCheckResult, AuditHead } from "./types.ts";

/** Events per page read of the walk. */
export const CHECK_PAGE_SIZE = 256;
/** The walk yields to the event loop at least this often (ms of work between yields). */
export const CHECK_SLICE_MS = 5;

/** What a backend gives the check. Every method reads committed data only. */
export interface AuditCheckReader {
  /** The highest checkpoint row id now (0 when there is none). */
  checkpointMark(): Promise<number>;
  head(): Promise<AuditHead>;
  /** Raw event rows with afterId < id <= uptoId, ascending by id, at most `limit`. */
  events(afterId: number, uptoId: number, limit: number): Promise<unknown[]>;
  /** Stored checkpoints with afterId < row id <= uptoId, ascending, at most `limit`. */
  checkpoints(afterId: number, uptoId: number, limit: number): Promise<AuditCheckpointRecord[]>;
  /** The stored `hash` of each of these event ids (absent ids are left out). */
  hashes(ids: readonly number[]): Promise<Map<number, string>>;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Yields once `CHECK_SLICE_MS` of work have passed since the last yield. */
class Slicer {
  #since = performance.now();
  async maybeYield(): Promise<void> {
    if (performance.now() - this.#since < CHECK_SLICE_MS) return;
    await turn();
    this.#since = performance.now();
  }
}

type Break = Extract<AuditCheckResult, { ok: false }>;

/** Runs the whole check over `reader`. */
export async function runAuditCheck(
  reader: AuditCheckReader,
  options: AuditCheckOptions = {},
  pageSize = CHECK_PAGE_SIZE,
): Promise<AuditCheckResult> {
  const mark = await reader.checkpointMark();
  const head = await reader.head();

  const checker = new AuditChainChecker();
  const slicer = new Slicer();
  let afterId = 0;
  while (afterId < head.lastId) {
    const rows = await reader.events(afterId, head.lastId, pageSize);
    for (const row of rows) {
      const broken = checker.push(row);
      if (broken) return broken;
      await slicer.maybeYield();
    }
    const next = checker.lastId;
    if (rows.length < pageSize || next <= afterId) break;
    afterId = next;
    await slicer.maybeYield();
  }
  const chain = checker.finish(head);
  if (!chain.ok) return chain;

  // Checkpoints: stored ones up to the mark, then any the caller kept elsewhere (an export).
  let count = 0;
  let latest: AuditCheckpoint | undefined;
  let mismatch: Break | undefined;
  let ownLatest: AuditCheckpoint | undefined;
  const visit = async (
    batch: { label: string; jws: unknown; row?: AuditCheckpointRecord }[],
  ): Promise<Break | undefined> => {
    const within: AuditCheckpoint[] = [];
    for (const { label, jws, row } of batch) {
      await slicer.maybeYield();
      // A stored row is held to its signature: columns that differ from the payload are a planted row.
      const v =
        row !== undefined
          ? verifyStoredCheckpoint(row, options.trustedNodes)
          : verifyCheckpoint(jws, options.trustedNodes ? { trustedNodes: options.trustedNodes } : {});
      if (!v.ok) {
        return { ok: false, id: 0, reason: "checkpoint_invalid", message: `${label}: ${v.message}` };
      }
      const cp = v.checkpoint;
      count += 1;
      if (latest === undefined || cp.seq > latest.seq) latest = cp;
      if (cp.node === options.stall?.node && (ownLatest === undefined || cp.seq > ownLatest.seq))
        ownLatest = cp;
      if (cp.seq <= head.lastId) within.push(cp);
    }
    if (within.length === 0) return undefined;
    const stored = await reader.hashes([...new Set(within.map((cp) => cp.seq))]);
    for (const cp of within) {
      if (stored.get(cp.seq) === cp.hash) continue;
      if (mismatch === undefined || cp.seq < mismatch.id) {
        mismatch = {
          ok: false,
          id: cp.seq,
          reason: "checkpoint_mismatch",
          message: `event ${cp.seq} is not the one node ${cp.node} checkpointed at ${iso(cp.at)} (the log was rewritten from there)`,
        };
      }
    }
    return undefined;
  };

  let afterRow = 0;
  while (afterRow < mark) {
    const page = await reader.checkpoints(afterRow, mark, pageSize);
    const invalid = await visit(page.map((r) => ({ label: `checkpoint #${r.id}`, jws: r.jws, row: r })));
    if (invalid) return invalid;
    const last = page.at(-1);
    if (last === undefined || page.length < pageSize) break;
    afterRow = last.id;
  }
  const extra = options.checkpoints ?? [];
  for (let i = 0; i < extra.length; i += pageSize) {
    const slice = extra
      .slice(i, i + pageSize)
      .map((jws, j) => ({ label: `given checkpoint ${i + j + 1}`, jws }));
    const invalid = await visit(slice);
    if (invalid) return invalid;
  }

  if (mismatch) return mismatch;
  if (latest !== undefined && latest.seq > head.lastId) {
    return {
      ok: false,
      id: head.lastId + 1,
      reason: "tail_missing",
      message:
        `events ${head.lastId + 1}..${latest.seq} are missing: node ${latest.node} checkpointed ` +
        `event ${latest.seq} at ${iso(latest.at)}, but the log ends at ${head.lastId}`,
    };
  }
  const stalled = stallOf(options.stall, ownLatest, head.lastId);
  return {
    ok: true,
    count: chain.count,
    headHash: chain.headHash,
    checkpoints: {
      count,
      ...(latest !== undefined ? { latest: { node: latest.node, seq: latest.seq, at: latest.at } } : {}),
      ...(stalled !== undefined ? { stalled } : {}),
    },
  };
}

/**
 * This node's checkpoints stalled: its latest lags the head by more than `everyEvents` (or, with
 * counting off, by any event) and is older than twice the interval (or counting alone decides).
 */
function stallOf(
  stall: AuditCheckOptions["stall"],
  own: AuditCheckpoint | undefined,
  head: number,
): { node: string; seq: number; head: number; message: string } | undefined {
  if (stall === undefined || (stall.everyEvents <= 0 && stall.intervalMs <= 0)) return undefined;
  const seq = own?.seq ?? 0;
  const lag = head - seq;
  if (lag <= Math.max(stall.everyEvents, 0)) return undefined;
  if (stall.intervalMs > 0 && own !== undefined && stall.now - own.at <= 2 * stall.intervalMs)
    return undefined;
  const since = own !== undefined ? `event ${seq} at ${iso(own.at)}` : "no event yet";
  return {
    node: stall.node,
    seq,
    head,
    message: `checkpoints stalled: node ${stall.node} last checkpointed ${since}, ${lag} events behind the head ${head}; a tail cut after it would go unnoticed (see the store-error metrics)`,
  };
}

function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}
