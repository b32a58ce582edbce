/**
 * The revocation feed of the single-process backends (memory, SQLite): change signals come from
 * adds made in this process; adds made by another process on the same SQLite file are picked up
 * by the `RevocationState` heartbeat, which catches up by seq every interval.
 */
import type { RevocationFeed, RevocationFeedEvents, RevocationRecord } from "./types.ts";

/** A tiny in-process change signal: listeners hear the seq of every new revocation. */
export class RevocationSignal {
  readonly #listeners = new Set<(seq: number) => void>();

  subscribe(listener: (seq: number) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  emit(seq: number): void {
    for (const listener of this.#listeners) listener(seq);
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
    this.#unsubscribe = signal.subscribe((seq) => {
      if (!this.#closed) events.onChange(seq);
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
