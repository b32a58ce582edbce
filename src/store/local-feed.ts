/**
 * The revocation feed of the single-process backends (memory, SQLite): change signals come from
 * adds made in this process; adds made by another process on the same SQLite file are picked up
 * by the `RevocationState` heartbeat, which catches up by seq every interval.
 */
import type { RevocationFeed, RevocationFeedEvents, RevocationRecord, RevocationSignalled } from "./types.ts";

/** A tiny in-process change signal: listeners hear every new revocation. */
export class RevocationSignal {
  readonly #listeners = new Set<(revocation: RevocationSignalled) => void>();

  subscribe(listener: (revocation: RevocationSignalled) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  emit(record: RevocationRecord): void {
    const revocation: RevocationSignalled = {
      seq: record.seq,
      target: { ...record.target },
      ...(record.reason !== undefined ? { reason: record.reason } : {}),
      ...(record.tokenExp !== undefined ? { tokenExp: record.tokenExp } : {}),
    };
    for (const listener of this.#listeners) listener(revocation);
  }
}

export class LocalRevocationFeed implements RevocationFeed {
  readonly #list: (afterSeq: number, limit: number) => Promise<RevocationRecord[]>;
  readonly #unsubscribe: () => void;
  #closed = false;

  constructor(
    signal: RevocationSignal,
    list: (afterSeq: number, limit: number) => Promise<RevocationRecord[]>,
    events: RevocationFeedEvents,
  ) {
    this.#list = list;
    this.#unsubscribe = signal.subscribe((revocation) => {
      if (!this.#closed) events.onChange(revocation.seq, revocation);
    });
    queueMicrotask(() => {
      if (!this.#closed) events.onConnect();
    });
  }

  fetch(afterSeq: number, limit: number): Promise<RevocationRecord[]> {
    if (this.#closed) return Promise.reject(new Error("revocation feed is closed"));
    return this.#list(afterSeq, limit);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe();
  }
}
