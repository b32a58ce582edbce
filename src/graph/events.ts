/**
 * The in-process event bus of live graph changes: new delegations, revocations and decisions. The
 * facade publishes as things happen; the SSE route (`GET /v1/events`) subscribes. A subscriber
 * that throws is isolated: the others still receive the event.
 *
 * @example
 *   const events = new EventBus();
 *   const stop = events.subscribe((e) => console.log(e.type));
 *   events.publish({ type: "revocation", at: Date.now(), target: { kind: "token", id: jti } });
 *   stop();
 */
import type { RevocationTarget } from "../core/index.ts";

/** A token was recorded (delegated or granted). Fields are those the registry keeps. */
export interface DelegationEvent {
  type: "delegation";
  /** Unix ms. */
  at: number;
  intent?: string;
  jti?: string;
  hash?: string;
  parentHash?: string;
  issuer?: string;
  holder?: string;
}

/** Something was revoked: a token (jti or hash), an agent or an intent. */
export interface RevocationEvent {
  type: "revocation";
  at: number;
  target: RevocationTarget;
  reason?: string;
}

/** A call was decided. `jtis` is the presented chain, root first; never the arguments. */
export interface DecisionEvent {
  type: "decision";
  at: number;
  intent?: string;
  /** The caller (the leaf holder), when known. */
  agent?: string;
  allow: boolean;
  code: string;
  tool?: string;
  jtis: string[];
  /** The audit event's id, when the decision was audited. */
  auditId?: number;
}

export type GraphEvent = DelegationEvent | RevocationEvent | DecisionEvent;

export type GraphEventListener = (event: GraphEvent) => void;

export class EventBus {
  readonly #listeners = new Set<GraphEventListener>();
  readonly #onError: (error: unknown) => void;

  /** `onError` receives what a listener throws (default: ignored). */
  constructor(options: { onError?: (error: unknown) => void } = {}) {
    this.#onError = options.onError ?? (() => {});
  }

  /** Delivers the event to every current subscriber, synchronously. */
  publish(event: GraphEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (e) {
        this.#onError(e);
      }
    }
  }

  /** Subscribes; returns the function that unsubscribes. */
  subscribe(listener: GraphEventListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  get size(): number {
    return this.#listeners.size;
  }
}

/**
 * A key that is the same for one happening whether it came from the bus or from polling the store,
 * so a stream can drop the second copy. Decisions without an audit id fall back to chain, tool, code
 * and the second they happened in.
 */
export function eventKey(event: GraphEvent): string {
  switch (event.type) {
    case "delegation":
      return `delegation|${event.hash ?? event.jti ?? event.at}`;
    case "revocation":
      return `revocation|${event.target.kind}|${event.target.id}`;
    case "decision":
      return `decision|${event.jtis.join(",")}|${event.tool ?? ""}|${event.code}|${Math.floor(event.at / 1000)}`;
  }
}
