/**
 * The behaviour every Store must have. Run unchanged against memory, SQLite and PostgreSQL:
 *   describeStoreContract("sqlite", sqliteHarness);
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hashAuditEvent } from "../../src/core/audit/chain.ts";
import { signCheckpoint } from "../../src/core/audit/checkpoint.ts";
import { AgentKey } from "../../src/core/keys/agent-key.ts";
import type { UsageCharge } from "../../src/core/ports.ts";
import { AuditCheckpointer, CheckpointInvalidError } from "../../src/store/checkpoints.ts";
import { NonceBook } from "../../src/store/nonce-book.ts";
import { permitLedger } from "../../src/store/permit-ledger.ts";
import { RevocationState } from "../../src/store/revocation-state.ts";
import type { AuditEvent, Store, TokenInput } from "../../src/store/types.ts";

export interface StoreHarness {
  /** Opens one more store ("node") on the same database. The harness closes it. */
  open(): Promise<Store>;
  /** Overwrites an audit row's data column behind the store's back. */
  tamperAuditData(id: number, data: string): Promise<void>;
  /** Deletes an audit row behind the store's back. */
  deleteAuditEvent(id: number): Promise<void>;
  /** Rewrites the head row behind the store's back (as someone cutting off the tail would). */
  moveAuditHead(lastId: number, lastHash: string): Promise<void>;
  /** Deletes every stored checkpoint behind the store's back. */
  deleteCheckpoints(): Promise<void>;
  dispose(): Promise<void>;
}

export type HarnessFactory = () => Promise<StoreHarness>;

/** A well-formed `sha256:` key from a short label. */
export function hashKey(label: string): string {
  return `sha256:${Buffer.from(label.padEnd(32, ".").slice(0, 32)).toString("base64url")}`;
}

export function tokenInput(label: string, extra: Partial<TokenInput> = {}): TokenInput {
  return {
    hash: hashKey(label),
    jti: `jti-${label}`,
    issuer: "urn:baton:root",
    holder: `urn:jwk:${label}`,
    depth: 0,
    iat: 1_704_067_200,
    exp: 1_704_070_800,
    token: `eyJ.${label}.sig`,
    payload: { jti: `jti-${label}`, nested: { list: [1, "two", null] } },
    ...extra,
  };
}

/** Polls `condition` up to `attempts` times, `intervalMs` apart. */
export async function waitFor(condition: () => boolean, attempts = 200, intervalMs = 10): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return condition();
}

/** Polls an async condition (a store read) until it holds. */
export async function waitForAsync(condition: () => Promise<boolean>, attempts = 200): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

export function describeStoreContract(name: string, factory: HarnessFactory): void {
  describe(`Store contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: Store;

    beforeEach(async () => {
      harness = await factory();
      store = await harness.open();
    });

    afterEach(async () => {
      await harness.dispose();
    });

    describe("revocations", () => {
      it("revokes a target once: a second add returns the first record unchanged", async () => {
        const first = await store.addRevocation({
          target: { kind: "agent", id: "urn:jwk:mallory" },
          reason: "compromised",
          actor: "cli:ops",
          requestJti: "req-1",
        });
        expect(first.created).toBe(true);
        expect(first.record).toMatchObject({
          target: { kind: "agent", id: "urn:jwk:mallory" },
          reason: "compromised",
          actor: "cli:ops",
          requestJti: "req-1",
        });
        expect(first.record.seq).toBeGreaterThan(0);
        expect(first.record).not.toHaveProperty("tokenExp");

        const again = await store.addRevocation({
          target: { kind: "agent", id: "urn:jwk:mallory" },
          reason: "something else",
        });
        expect(again).toEqual({ record: first.record, created: false });
        expect(await store.listRevocations()).toHaveLength(1);
        expect(await store.getRevocation({ kind: "agent", id: "urn:jwk:mallory" })).toEqual(first.record);
        expect(await store.getRevocation({ kind: "token", id: "urn:jwk:mallory" })).toBeNull();
      });

      it("numbers revocations by increasing seq and lists those after a seq", async () => {
        const a = await store.addRevocation({ target: { kind: "token", id: "jti-a" }, tokenExp: 2000 });
        const b = await store.addRevocation({ target: { kind: "intent", id: "intent-b" } });
        const c = await store.addRevocation({ target: { kind: "token", id: hashKey("c") } });
        expect(b.record.seq).toBeGreaterThan(a.record.seq);
        expect(c.record.seq).toBeGreaterThan(b.record.seq);
        expect((await store.listRevocations()).map((r) => r.seq)).toEqual([a, b, c].map((r) => r.record.seq));
        expect((await store.listRevocations({ afterSeq: a.record.seq })).map((r) => r.target.id)).toEqual([
          "intent-b",
          hashKey("c"),
        ]);
        expect(await store.listRevocations({ afterSeq: a.record.seq, limit: 1 })).toEqual([b.record]);
        expect(await store.listRevocations({ afterSeq: c.record.seq })).toEqual([]);
        expect(a.record.tokenExp).toBe(2000);
      });

      it("prunes expired token revocations (exp + skew) and keeps agent and intent ones", async () => {
        await store.addRevocation({ target: { kind: "token", id: "old" }, tokenExp: 100 });
        await store.addRevocation({ target: { kind: "token", id: "within-skew" }, tokenExp: 480 });
        await store.addRevocation({ target: { kind: "token", id: "live" }, tokenExp: 1000 });
        await store.addRevocation({ target: { kind: "token", id: "no-exp" } });
        await store.addRevocation({ target: { kind: "agent", id: "urn:jwk:a" }, tokenExp: 1 });
        await store.addRevocation({ target: { kind: "intent", id: "i-1" }, tokenExp: 1 });

        expect(await store.pruneRevocations({ now: 500, skew: 30 })).toBe(1);
        expect((await store.listRevocations()).map((r) => r.target.id)).toEqual([
          "within-skew",
          "live",
          "no-exp",
          "urn:jwk:a",
          "i-1",
        ]);
        expect(await store.pruneRevocations({ now: 5000 })).toBe(2);
        expect((await store.listRevocations()).map((r) => r.target.kind)).toEqual([
          "token",
          "agent",
          "intent",
        ]);
      });

      it("never reuses a seq, even after the newest revocation was pruned", async () => {
        const old = await store.addRevocation({ target: { kind: "token", id: "expired" }, tokenExp: 1 });
        await store.pruneRevocations({ now: 10 });
        const next = await store.addRevocation({ target: { kind: "token", id: "fresh" } });
        expect(next.record.seq).toBeGreaterThan(old.record.seq);
      });

      it("refuses a malformed revocation", async () => {
        await expect(store.addRevocation({ target: { kind: "token", id: "" } })).rejects.toThrow();
        await expect(
          store.addRevocation({ target: { kind: "tree", id: "x" } } as unknown as Parameters<
            Store["addRevocation"]
          >[0]),
        ).rejects.toThrow();
        expect(await store.listRevocations()).toEqual([]);
      });

      it("feeds a RevocationState that sees later adds, including another node's", async () => {
        await store.addRevocation({ target: { kind: "agent", id: "urn:jwk:early" } });
        const state = await RevocationState.open(store, { heartbeatMs: 50 });
        try {
          const subject = {
            index: 0,
            jti: "j",
            hash: hashKey("h"),
            issuer: "urn:root",
            holder: "urn:jwk:early",
          };
          expect(state.check({ tokens: [subject] })).toEqual({
            index: 0,
            target: { kind: "agent", id: "urn:jwk:early" },
          });
          const other = await harness.open();
          await other.addRevocation({ target: { kind: "token", id: "late-jti" }, reason: "leaked" });
          const late = { ...subject, jti: "late-jti", holder: "urn:jwk:x" };
          expect(await waitFor(() => state.check({ tokens: [late] }) !== null)).toBe(true);
          expect(state.check({ tokens: [late] })).toEqual({
            index: 0,
            target: { kind: "token", id: "late-jti" },
            reason: "leaked",
          });
          expect(state.freshness().stale).toBe(false);
        } finally {
          await state.close();
        }
      });
    });

    describe("token registry", () => {
      it("records a token once and reads it back whole", async () => {
        const input = tokenInput("root", { intent: "intent-1" });
        const first = await store.recordToken(input);
        expect(first.created).toBe(true);
        expect(first.record).toEqual({ ...input, recordedAt: first.record.recordedAt });
        expect(first.record).not.toHaveProperty("parentHash");
        const again = await store.recordToken({ ...input, holder: "urn:jwk:someone-else" });
        expect(again).toEqual({ record: first.record, created: false });
        expect(await store.getToken(input.hash)).toEqual(first.record);
        expect(await store.getToken(hashKey("absent"))).toBeNull();
      });

      it("finds tokens by intent, by agent (issuer or holder) and by jti", async () => {
        const root = tokenInput("root", { intent: "intent-1", holder: "urn:jwk:orchestrator" });
        const child = tokenInput("child", {
          intent: "intent-1",
          parentHash: root.hash,
          issuer: "urn:jwk:orchestrator",
          holder: "urn:jwk:researcher",
          depth: 1,
        });
        const other = tokenInput("other", { intent: "intent-2", holder: "urn:jwk:mallory" });
        for (const t of [root, child, other]) await store.recordToken(t);

        const hashes = (records: { hash: string }[]) => records.map((r) => r.hash).sort();
        expect(hashes(await store.findTokens({ intent: "intent-1" }))).toEqual(
          [root.hash, child.hash].sort(),
        );
        expect(hashes(await store.findTokens({ agent: "urn:jwk:orchestrator" }))).toEqual(
          [root.hash, child.hash].sort(),
        );
        expect(hashes(await store.findTokens({ agent: "urn:jwk:researcher" }))).toEqual([child.hash]);
        expect(hashes(await store.findTokens({ jti: "jti-other" }))).toEqual([other.hash]);
        expect(await store.findTokens({ intent: "intent-2", agent: "urn:jwk:orchestrator" })).toEqual([]);
        expect((await store.findTokens({ agent: "urn:jwk:researcher" }))[0]?.parentHash).toBe(root.hash);
        expect(hashes(await store.findTokens({ parentHash: root.hash }))).toEqual([child.hash]);
        expect(await store.findTokens({ limit: 2 })).toHaveLength(2);
      });

      it("refuses a token whose hash is not a sha256 key", async () => {
        await expect(store.recordToken(tokenInput("x", { hash: "md5:abc" }))).rejects.toThrow();
      });
    });

    describe("audit log", () => {
      async function appendFive(): Promise<AuditEvent[]> {
        const events: AuditEvent[] = [];
        for (let i = 1; i <= 5; i++) {
          events.push(
            await store.appendAudit({
              type: i % 2 ? "decision" : "revocation",
              intent: i <= 3 ? "intent-1" : "intent-2",
              agent: i % 2 ? "urn:jwk:researcher" : "urn:jwk:orchestrator",
              at: 1_000 * i,
              data:
                i % 2
                  ? {
                      allow: i === 1,
                      code: i === 1 ? "permitted" : "revoked",
                      jtis: ["a", "b"],
                      tool: "read",
                    }
                  : { target: { kind: "token", id: `t${i}` } },
            }),
          );
        }
        return events;
      }

      it("chains events by hash and checks the chain", async () => {
        const events = await appendFive();
        expect(events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
        expect(events[0]?.prev_hash).toBe("0".repeat(64));
        for (let i = 1; i < events.length; i++) expect(events[i]?.prev_hash).toBe(events[i - 1]?.hash);
        for (const event of events) {
          const { hash, ...body } = event;
          expect(hashAuditEvent(body)).toBe(hash);
        }
        expect(await store.checkAudit()).toEqual({
          ok: true,
          count: 5,
          headHash: events[4]?.hash,
          checkpoints: { count: 0 },
        });
        expect(await store.listAudit()).toEqual(events);
      });

      it("checks an empty log as ok", async () => {
        expect(await store.checkAudit()).toEqual({
          ok: true,
          count: 0,
          headHash: "0".repeat(64),
          checkpoints: { count: 0 },
        });
      });

      it("names the first altered event", async () => {
        await appendFive();
        await harness.tamperAuditData(3, JSON.stringify({ allow: true, code: "permitted", jtis: [] }));
        expect(await store.checkAudit()).toMatchObject({ ok: false, id: 3, reason: "hash_mismatch" });
      });

      it("names an event whose data is no longer JSON", async () => {
        await appendFive();
        await harness.tamperAuditData(2, "{not json");
        expect(await store.checkAudit()).toMatchObject({ ok: false, id: 2, reason: "malformed" });
      });

      it("names a removed middle event", async () => {
        await appendFive();
        await harness.deleteAuditEvent(3);
        expect(await store.checkAudit()).toMatchObject({ ok: false, id: 3, reason: "missing" });
      });

      it("names a removed last event", async () => {
        await appendFive();
        await harness.deleteAuditEvent(5);
        expect(await store.checkAudit()).toMatchObject({ ok: false, id: 5, reason: "missing" });
      });

      it("refuses raw arguments in a decision", async () => {
        await expect(
          store.appendAudit({
            type: "decision",
            data: { allow: true, code: "permitted", jtis: [], args: { path: "/etc/passwd" } },
          }),
        ).rejects.toThrow(/raw arguments/);
        await expect(store.appendAudit({ type: "decision", data: { allow: true } })).rejects.toThrow();
        expect(await store.checkAudit()).toEqual({
          ok: true,
          count: 0,
          headHash: "0".repeat(64),
          checkpoints: { count: 0 },
        });
      });

      it("exports JSON Lines filtered by intent, agent and time range", async () => {
        const events = await appendFive();
        const all = await collect(store.exportAudit());
        expect(all).toHaveLength(5);
        expect(all.every((line) => line.endsWith("\n") && !line.slice(0, -1).includes("\n"))).toBe(true);
        expect(all.map((line) => JSON.parse(line))).toEqual(events);

        const ids = async (filter: Parameters<Store["exportAudit"]>[0]) =>
          (await collect(store.exportAudit(filter))).map((line) => (JSON.parse(line) as AuditEvent).id);
        expect(await ids({ intent: "intent-1" })).toEqual([1, 2, 3]);
        expect(await ids({ agent: "urn:jwk:orchestrator" })).toEqual([2, 4]);
        expect(await ids({ from: 2000, to: 4000 })).toEqual([2, 3]);
        expect(await ids({ intent: "intent-2", agent: "urn:jwk:researcher" })).toEqual([5]);
        expect(await ids({ type: "revocation" })).toEqual([2, 4]);
        expect(await ids({ intent: "none" })).toEqual([]);
      });

      it("lists events page by page", async () => {
        await appendFive();
        const first = await store.listAudit({ limit: 2 });
        expect(first.map((e) => e.id)).toEqual([1, 2]);
        const second = await store.listAudit({ afterId: 2, limit: 2 });
        expect(second.map((e) => e.id)).toEqual([3, 4]);
        expect((await store.listAudit({ afterId: 4, limit: 2 })).map((e) => e.id)).toEqual([5]);
      });

      it("never forks the chain under concurrent appends from two nodes", async () => {
        const other = await harness.open();
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 ? store : other).appendAudit({ type: "approval", data: { n: i } }),
          ),
        );
        expect(await store.checkAudit()).toMatchObject({ ok: true, count: 20 });
      });

      it("finds the events that concern a token through the ref index, page by page", async () => {
        await appendFive(); // decisions 1, 3, 5 name jtis a and b; revocations 2, 4 target t2, t4
        await store.appendAudit({
          type: "token_recorded",
          data: { hash: hashKey("t6"), jti: "t6", issuer: "i", holder: "h", depth: 0 },
        });
        const ids = async (query: Parameters<Store["listAudit"]>[0]) =>
          (await store.listAudit(query)).map((e) => e.id);
        expect(await ids({ refs: ["a"] })).toEqual([1, 3, 5]);
        expect(await ids({ refs: ["a", "b"], limit: 2 })).toEqual([1, 3]);
        expect(await ids({ refs: ["a"], afterId: 3 })).toEqual([5]);
        expect(await ids({ refs: ["t4"] })).toEqual([4]);
        expect(await ids({ refs: ["t6"] })).toEqual([6]);
        expect(await ids({ refs: [hashKey("t6")] })).toEqual([6]);
        expect(await ids({ refs: ["a"], intent: "intent-2" })).toEqual([5]);
        expect(await ids({ refs: ["nothing"] })).toEqual([]);
        expect(await ids({ refs: [] })).toEqual([]);
      });
    });

    describe("audit checkpoints", () => {
      const nodeKey = AgentKey.fromSeed(new Uint8Array(32).fill(7));
      const append = async (n: number) => {
        const out: AuditEvent[] = [];
        for (let i = 0; i < n; i++) out.push(await store.appendAudit({ type: "approval", data: { n: i } }));
        return out;
      };

      it("verifies a signed checkpoint of the head and reports it", async () => {
        const events = await append(3);
        const cp = signCheckpoint(nodeKey, { seq: 3, hash: events[2]?.hash as string, at: 5_000 });
        await store.addAuditCheckpoint(cp);
        await store.addAuditCheckpoint(cp); // idempotent per node and seq
        expect(await store.listAuditCheckpoints()).toEqual([{ id: expect.any(Number), ...cp }]);
        expect(await store.latestAuditCheckpoint(nodeKey.id)).toMatchObject({ seq: 3, jws: cp.jws });
        expect(await store.latestAuditCheckpoint("urn:other")).toBeNull();
        await append(2);
        expect(await store.checkAudit()).toMatchObject({
          ok: true,
          count: 5,
          checkpoints: { count: 1, latest: { node: nodeKey.id, seq: 3, at: 5_000 } },
        });
      });

      it("reports a cut-off tail even when the head row was moved to match", async () => {
        const events = await append(5);
        await store.addAuditCheckpoint(
          signCheckpoint(nodeKey, { seq: 5, hash: events[4]?.hash as string, at: 1 }),
        );
        await harness.deleteAuditEvent(5);
        await harness.deleteAuditEvent(4);
        await harness.moveAuditHead(3, events[2]?.hash as string);
        const r = await store.checkAudit();
        expect(r).toMatchObject({ ok: false, id: 4, reason: "tail_missing" });
        expect(r.ok ? "" : r.message).toContain("4..5");
      });

      it("holds the log against checkpoints kept outside the store (an export)", async () => {
        const events = await append(4);
        const cp = signCheckpoint(nodeKey, { seq: 4, hash: events[3]?.hash as string, at: 1 });
        await store.addAuditCheckpoint(cp);
        await harness.deleteAuditEvent(4);
        await harness.moveAuditHead(3, events[2]?.hash as string);
        await harness.deleteCheckpoints();
        expect(await store.checkAudit()).toMatchObject({ ok: true, count: 3, checkpoints: { count: 0 } });
        expect(await store.checkAudit({ checkpoints: [cp.jws] })).toMatchObject({
          ok: false,
          id: 4,
          reason: "tail_missing",
        });
      });

      it("names a checkpointed event whose hash is not the signed one", async () => {
        const events = await append(3);
        await store.addAuditCheckpoint(signCheckpoint(nodeKey, { seq: 2, hash: "ab".repeat(32), at: 1 }));
        await store.addAuditCheckpoint(
          signCheckpoint(nodeKey, { seq: 3, hash: events[2]?.hash as string, at: 2 }),
        );
        expect(await store.checkAudit()).toMatchObject({ ok: false, id: 2, reason: "checkpoint_mismatch" });
      });

      it("refuses a checkpoint whose signature does not verify, or by an untrusted node", async () => {
        const events = await append(2);
        const cp = signCheckpoint(nodeKey, { seq: 2, hash: events[1]?.hash as string, at: 1 });
        const [h, p] = cp.jws.split(".");
        const forged = `${h}.${p}.${"A".repeat(86)}`;
        expect(await store.checkAudit({ checkpoints: [forged] })).toMatchObject({
          ok: false,
          id: 0,
          reason: "checkpoint_invalid",
        });
        await store.addAuditCheckpoint({ ...cp, jws: forged });
        expect(await store.checkAudit()).toMatchObject({ ok: false, reason: "checkpoint_invalid" });
        await harness.deleteCheckpoints();
        await store.addAuditCheckpoint(cp);
        expect(await store.checkAudit({ trustedNodes: new Set(["urn:someone-else"]) })).toMatchObject({
          ok: false,
          reason: "checkpoint_invalid",
        });
        expect(await store.checkAudit({ trustedNodes: new Set([nodeKey.id]) })).toMatchObject({ ok: true });
      });

      it("signs on every N appends and at stop, only when the head moved, never over a cut tail", async () => {
        const checkpointer = new AuditCheckpointer(
          store,
          { key: nodeKey, intervalMs: 0, everyEvents: 3 },
          () => 9,
        );
        expect(await checkpointer.checkpoint()).toBeNull(); // empty log
        const events = await append(3);
        checkpointer.appended(3);
        await waitForAsync(async () => (await store.latestAuditCheckpoint(nodeKey.id))?.seq === 3);
        expect(await checkpointer.checkpoint()).toBeNull(); // the head has not moved
        await append(1);
        await checkpointer.stop();
        expect((await store.listAuditCheckpoints({ node: nodeKey.id })).map((c) => c.seq)).toEqual([3, 4]);
        expect(await store.checkAudit()).toMatchObject({ ok: true, checkpoints: { count: 2 } });

        const again = new AuditCheckpointer(store, { key: nodeKey, intervalMs: 0, everyEvents: 0 }, () => 9);
        await harness.deleteAuditEvent(4);
        await harness.moveAuditHead(3, events[2]?.hash as string);
        await expect(again.checkpoint()).rejects.toThrow(/not the event this node checkpointed/);
        expect(await store.listAuditCheckpoints()).toHaveLength(2);
      });

      it("review finding 4: a planted row (this node, seq 1e9, an old real JWS) neither stops signing nor hides a cut tail", async () => {
        const events = await append(10);
        const checkpointer = new AuditCheckpointer(
          store,
          { key: nodeKey, intervalMs: 0, everyEvents: 0 },
          () => 9,
        );
        const cp1 = await checkpointer.checkpoint();
        expect(cp1?.seq).toBe(10);
        if (cp1 === null) throw new Error("no checkpoint");
        // Someone with write access to the table plants a row whose columns are not what it signs.
        await store.addAuditCheckpoint({
          node: nodeKey.id,
          seq: 1_000_000_000,
          hash: cp1.hash,
          at: 9,
          jws: cp1.jws,
        });
        await expect(store.latestAuditCheckpoint(nodeKey.id)).rejects.toThrow(CheckpointInvalidError);
        await append(50);
        // The node trusts what it signed itself, not the row: it goes on signing.
        expect((await checkpointer.checkpoint())?.seq).toBe(60);
        // A restarted checkpointer refuses to sign over the planted row (reported, not ignored).
        const restarted = new AuditCheckpointer(
          store,
          { key: nodeKey, intervalMs: 0, everyEvents: 0 },
          () => 9,
        );
        await expect(restarted.checkpoint()).rejects.toThrow(/seq differs from what its signature covers/);
        const planted = await store.checkAudit({ trustedNodes: new Set([nodeKey.id]) });
        expect(planted).toMatchObject({ ok: false, reason: "checkpoint_invalid" });
        expect(planted.ok ? "" : planted.message).toMatch(/seq differs from what its signature covers/);
        // Cut the tail back to 10 and move the head: still not ok.
        for (let id = 60; id > 10; id--) await harness.deleteAuditEvent(id);
        await harness.moveAuditHead(10, events[9]?.hash as string);
        expect(await store.checkAudit({ trustedNodes: new Set([nodeKey.id]) })).toMatchObject({ ok: false });
        await checkpointer.stop().catch(() => {});
      });

      it("review finding 4: refuses a second, different checkpoint for the same node and seq", async () => {
        const events = await append(3);
        const cp = signCheckpoint(nodeKey, { seq: 3, hash: events[2]?.hash as string, at: 1 });
        await store.addAuditCheckpoint(cp);
        const other = signCheckpoint(nodeKey, { seq: 3, hash: "cd".repeat(32), at: 2 });
        await expect(store.addAuditCheckpoint(other)).rejects.toThrow(CheckpointInvalidError);
        expect((await store.listAuditCheckpoints()).map((c) => c.jws)).toEqual([cp.jws]);
      });

      it("review finding 4: reports stalled checkpoints (head more than everyEvents past this node's latest)", async () => {
        const events = await append(5);
        await store.addAuditCheckpoint(
          signCheckpoint(nodeKey, { seq: 1, hash: events[0]?.hash as string, at: 1_000 }),
        );
        const stall = { node: nodeKey.id, everyEvents: 2, intervalMs: 1_000, now: 10_000 };
        const r = await store.checkAudit({ stall });
        expect(r).toMatchObject({
          ok: true,
          checkpoints: { count: 1, stalled: { node: nodeKey.id, seq: 1, head: 5 } },
        });
        expect(r.ok ? r.checkpoints.stalled?.message : "").toMatch(/checkpoints stalled/);
        // Recent enough (within twice the interval), or within everyEvents: not stalled.
        const recent = await store.checkAudit({ stall: { ...stall, now: 2_500 } });
        expect(recent).toMatchObject({ ok: true });
        expect(recent.ok ? recent.checkpoints.stalled : "x").toBeUndefined();
        const close = await store.checkAudit({ stall: { ...stall, everyEvents: 4 } });
        expect(close.ok ? close.checkpoints.stalled : "x").toBeUndefined();
      });

      it("signs the head on a timer", async () => {
        await append(2);
        const checkpointer = new AuditCheckpointer(
          store,
          { key: nodeKey, intervalMs: 20, everyEvents: 0 },
          () => 9,
        );
        try {
          expect(
            await waitForAsync(async () => (await store.latestAuditCheckpoint(nodeKey.id))?.seq === 2),
          ).toBe(true);
        } finally {
          await checkpointer.stop();
        }
      });
    });

    describe("permit ledger", () => {
      const charge = (key: string, limit: number, index = 0): UsageCharge => ({ index, key, limit });

      it("refuses a replayed PoP jti", async () => {
        const ledger = permitLedger(store);
        expect(await ledger.commit({ replay: { key: "leaf:pop-1", expiresAt: 2000 }, usage: [] })).toEqual({
          ok: true,
        });
        expect(await ledger.commit({ replay: { key: "leaf:pop-1", expiresAt: 2000 }, usage: [] })).toEqual({
          ok: false,
          code: "replayed",
        });
        expect(await ledger.commit({ replay: { key: "leaf:pop-2", expiresAt: 2000 }, usage: [] })).toEqual({
          ok: true,
        });
      });

      it("refuses a replay first accepted by another node", async () => {
        const nodeB = await harness.open();
        expect(
          await store.commitPermit({ replay: { key: "leaf:pop-x", expiresAt: 2000 }, usage: [] }),
        ).toEqual({
          ok: true,
        });
        expect(
          await nodeB.commitPermit({ replay: { key: "leaf:pop-x", expiresAt: 2000 }, usage: [] }),
        ).toEqual({
          ok: false,
          code: "replayed",
        });
      });

      it("admits a concurrent replay on two nodes exactly once", async () => {
        const nodeB = await harness.open();
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 ? store : nodeB).commitPermit({
              replay: { key: "leaf:race", expiresAt: 2000 },
              usage: [],
            }),
          ),
        );
        expect(results.filter((r) => r.ok)).toHaveLength(1);
      });

      it("counts usage up to the limit exactly, then refuses with usage_exceeded", async () => {
        const key = hashKey("limited");
        for (let i = 0; i < 3; i++) {
          expect(await store.commitPermit({ usage: [charge(key, 3, 1)] })).toEqual({ ok: true });
        }
        expect(await store.commitPermit({ usage: [charge(key, 3, 1)] })).toEqual({
          ok: false,
          code: "usage_exceeded",
          index: 1,
          used: 3,
          limit: 3,
        });
      });

      it("refuses any use of a zero limit", async () => {
        expect(await store.commitPermit({ usage: [charge(hashKey("zero"), 0, 2)] })).toEqual({
          ok: false,
          code: "usage_exceeded",
          index: 2,
          used: 0,
          limit: 0,
        });
      });

      it("changes nothing when a commit is denied", async () => {
        const a = hashKey("a");
        const b = hashKey("b");
        expect(await store.commitPermit({ usage: [charge(b, 1, 2)] })).toEqual({ ok: true });
        // b is exhausted: the whole commit is refused, the replay key and a's counter stay untouched.
        expect(
          await store.commitPermit({
            replay: { key: "leaf:pop-denied", expiresAt: 2000 },
            usage: [charge(a, 1, 0), charge(b, 1, 2)],
          }),
        ).toEqual({ ok: false, code: "usage_exceeded", index: 2, used: 1, limit: 1 });
        expect(
          await store.commitPermit({ replay: { key: "leaf:pop-denied", expiresAt: 2000 }, usage: [] }),
        ).toEqual({ ok: true });
        expect(await store.commitPermit({ usage: [charge(a, 1, 0)] })).toEqual({ ok: true });

        // A replay denial does not charge either.
        const c = hashKey("c");
        expect(
          await store.commitPermit({ replay: { key: "leaf:pop-c", expiresAt: 2000 }, usage: [charge(c, 2)] }),
        ).toEqual({ ok: true });
        expect(
          await store.commitPermit({ replay: { key: "leaf:pop-c", expiresAt: 2000 }, usage: [charge(c, 2)] }),
        ).toEqual({ ok: false, code: "replayed" });
        expect(await store.commitPermit({ usage: [charge(c, 2)] })).toEqual({ ok: true });
        expect(await store.commitPermit({ usage: [charge(c, 2)] })).toMatchObject({
          code: "usage_exceeded",
          used: 2,
        });
      });

      it("names the lowest chain index when several counters are exhausted", async () => {
        const x = hashKey("x");
        const y = hashKey("y");
        await store.commitPermit({ usage: [charge(x, 1, 3), charge(y, 1, 1)] });
        expect(await store.commitPermit({ usage: [charge(x, 1, 3), charge(y, 1, 1)] })).toMatchObject({
          code: "usage_exceeded",
          index: 1,
        });
      });

      it("never lets concurrent commits on two nodes pass the limit", async () => {
        const nodeB = await harness.open();
        const key = hashKey("shared");
        const other = hashKey("other");
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 ? store : nodeB).commitPermit({
              usage:
                i % 3
                  ? [charge(key, 5, 0), charge(other, 100, 1)]
                  : [charge(other, 100, 1), charge(key, 5, 0)],
            }),
          ),
        );
        expect(results.filter((r) => r.ok)).toHaveLength(5);
        expect(await store.commitPermit({ usage: [charge(other, 5, 1)] })).toMatchObject({
          code: "usage_exceeded",
          used: 5,
        });
      });

      it("prunes replay keys whose expiry has passed", async () => {
        await store.commitPermit({ replay: { key: "old", expiresAt: 100 }, usage: [] });
        await store.commitPermit({ replay: { key: "new", expiresAt: 200 }, usage: [] });
        expect(await store.pruneReplay({ now: 100 })).toBe(1);
        expect(await store.commitPermit({ replay: { key: "old", expiresAt: 300 }, usage: [] })).toEqual({
          ok: true,
        });
        expect(await store.commitPermit({ replay: { key: "new", expiresAt: 300 }, usage: [] })).toEqual({
          ok: false,
          code: "replayed",
        });
      });
    });

    describe("nonces and names", () => {
      it("accepts an issued nonce until it expires, on every node", async () => {
        let now = 1000;
        const book = new NonceBook(store, { ttlSec: 60, now: () => now });
        const nonce = await book.issue();
        expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
        expect(await book.accepts(nonce)).toBe(true);
        expect(await new NonceBook(await harness.open(), { now: () => now }).accepts(nonce)).toBe(true);
        expect(await book.accepts("never-issued")).toBe(false);
        now = 1060;
        expect(await book.accepts(nonce)).toBe(false);
        expect(await store.pruneReplay({ now })).toBe(1);
      });

      it("keeps agent display names", async () => {
        await store.setAgentName("urn:jwk:a", "orchestrator");
        await store.setAgentName("urn:jwk:b", "researcher");
        await store.setAgentName("urn:jwk:a", "planner");
        expect(await store.getAgentNames()).toEqual(
          new Map([
            ["urn:jwk:a", "planner"],
            ["urn:jwk:b", "researcher"],
          ]),
        );
        expect(await store.getAgentNames(["urn:jwk:b", "urn:jwk:zz"])).toEqual(
          new Map([["urn:jwk:b", "researcher"]]),
        );
        await store.setAgentName("urn:jwk:b", null);
        expect(await store.getAgentNames(["urn:jwk:b"])).toEqual(new Map());
        expect(await store.getAgentNames([])).toEqual(new Map());
      });
    });
  });
}
