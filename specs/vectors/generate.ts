/**
 * Deterministic generator of Baton's own test vectors, `specs/vectors/baton-vectors.json`.
 *
 * The file has the shape of the AAT -02 JWS vector file (`shared/vectors/aat/aat-jws-vectors.json`),
 * so any AAT implementation can replay it, plus `expected.code` (Baton's decision code, see
 * `specs/errors.md`) and Baton policy keys documented in the file's `conventions`. Keys come from
 * fixed seeds, jtis are fixed, Ed25519 signatures are deterministic: the output never changes unless
 * this file does.
 *
 *   node --import tsx specs/vectors/generate.ts          writes the file
 *   node --import tsx specs/vectors/generate.ts --check  exits 1 if the committed file differs
 *
 * Tokens are built here by hand, not with `grant`/`derive`, because most vectors are tokens those
 * functions refuse to mint. Where a vector needs bytes JCS cannot produce (duplicate members, number
 * forms such as `1704067200.0`), the segment is the exact text given, signed as is.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { uuidv7 } from "../../src/core/chain/issue.ts";
import { b64urlDecode, b64urlEncode, jcs, sha256b64u } from "../../src/core/encoding.ts";
import { AgentKey } from "../../src/core/keys/agent-key.ts";

export const BATON_VECTORS_PATH = fileURLToPath(new URL("./baton-vectors.json", import.meta.url));

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

// ---------------------------------------------------------------------------------------------
// Parameters, personas, trust anchor

const NOW = 1704067500;
const AUDIENCE = "https://tools.example.com";
const OTHER_EP = "https://other-tools.example.com";
const ISSUER = "https://auth.baton.example";
const ROOT_IAT = 1704067200;
const ROOT_EXP = 1704070800;
/** Derived tokens: iat 30 s per depth after the root, exp 300 s per depth before it. */
const iatAt = (depth: number) => ROOT_IAT + 30 * depth;
const expAt = (depth: number) => ROOT_EXP - 300 * depth;

const PARAMS = {
  now: NOW,
  max_iat_skew: 30,
  max_token_lifetime: 7_776_000,
  max_delegation_depth: 8,
  max_constraint_depth: 32,
  max_token_size: 65_536,
  max_chain_size: 262_144,
  pop_window: 30,
  audience: AUDIENCE,
};

interface Persona {
  name: string;
  key: AgentKey;
  seedHex: string;
}

function persona(name: string, byte: number): Persona {
  const seed = new Uint8Array(32).fill(byte);
  return { name, key: AgentKey.fromSeed(seed), seedHex: Buffer.from(seed).toString("hex") };
}

const principal = persona("principal", 0x11);
const orchestrator = persona("orchestrator", 0x12);
const researcher = persona("researcher", 0x13);
const fixer = persona("fixer", 0x14);
const mallory = persona("mallory", 0xee);
const PERSONAS = [principal, orchestrator, researcher, fixer, mallory];

const jwkOf = (p: Persona): Obj => ({ ...p.key.publicJwk });

// ---------------------------------------------------------------------------------------------
// Constraint builders

const WILD: Obj = { constraint_type: "wildcard" };
const exact = (value: Json): Obj => ({ constraint_type: "exact", value });
const oneOf = (...values: Json[]): Obj => ({ constraint_type: "one_of", values });
const range = (b: { min?: number; max?: number }): Obj => ({ constraint_type: "range", ...b });
const allOf = (...constraints: Obj[]): Obj => ({ constraint_type: "all", constraints });
const within = (root: string): Obj => ({ constraint_type: "path_containment", root });
const optional = (c: Obj): Obj => ({ ...c, optional: true });
/** A constraint of depth `d`: `all` nested d-1 times around a wildcard (§3.4 depth counting). */
const nested = (d: number): Obj => (d <= 1 ? WILD : allOf(nested(d - 1)));

const INTENT: Obj = { id: "triage-q3-reports", purpose: "summarise the Q3 reports for the board" };
const OTHER_INTENT: Obj = { id: "exfiltrate-everything", purpose: "unrelated task" };

const ROOT_TOOLS: Obj = {
  read_file: { path: within("/data") },
  search: { query: WILD, limit: range({ max: 100 }) },
  deploy_prod: { target: oneOf("web", "api") },
};
const L1_TOOLS: Obj = {
  read_file: { path: within("/data/reports") },
  search: { query: WILD, limit: range({ max: 20 }) },
};
const L2_TOOLS: Obj = { read_file: { path: within("/data/reports") } };

// ---------------------------------------------------------------------------------------------
// JWS entries

/** One chain entry or PoP, in the AAT vector file's shape. */
interface Entry {
  header: Json;
  payload: Json;
  header_b64: string;
  payload_b64: string;
  signing_input: string;
  signing_input_sha256_b64u: string;
  signature_b64: string;
  compact: string;
  signer: string;
}

const AAT_HEADER: Obj = { alg: "Ed25519", typ: "aat+jwt" };
const BATON_HEADER: Obj = { alg: "Ed25519", typ: "aat+jwt", crit: ["baton"], baton: 1 };
const POP_HEADER: Obj = { alg: "Ed25519", typ: "aat-pop+jwt" };

interface SealOptions {
  header: Obj;
  payload: Obj;
  signer: Persona;
  /** Exact header text to sign instead of JCS(header); `header` is then the text. */
  headerText?: string;
  /** Rewrites the JCS payload text into exact hand-made text (duplicate members, number forms). */
  rewrite?: (jcsText: string) => string;
  /** Flip the first signature byte (XOR 0x01). */
  flip?: boolean;
}

function seal(o: SealOptions): Entry {
  const headerText = o.headerText ?? jcs(o.header);
  const jcsPayload = jcs(o.payload);
  const payloadText = o.rewrite ? o.rewrite(jcsPayload) : jcsPayload;
  if (o.rewrite && payloadText === jcsPayload) throw new Error("rewrite did not change the payload");
  const headerB64 = b64urlEncode(headerText);
  const payloadB64 = b64urlEncode(payloadText);
  const signingInput = `${headerB64}.${payloadB64}`;
  const sig = Buffer.from(o.signer.key.sign(signingInput));
  let signer = o.signer.name;
  if (o.flip) {
    sig[0] = (sig[0] as number) ^ 0x01;
    signer = `${signer} (signature byte 0 XOR 0x01)`;
  }
  const signatureB64 = b64urlEncode(sig);
  return {
    // Display forms. When the signed text is hand-made, JSON cannot show it faithfully (a duplicate
    // member, 1704067200.0), so the display is the exact text, as a string.
    header: o.headerText === undefined ? o.header : o.headerText,
    payload: o.rewrite ? payloadText : o.payload,
    header_b64: headerB64,
    payload_b64: payloadB64,
    signing_input: signingInput,
    signing_input_sha256_b64u: sha256b64u(signingInput),
    signature_b64: signatureB64,
    compact: `${signingInput}.${signatureB64}`,
    signer,
  };
}

/** Replaces exactly one occurrence of `find` in a JCS text; fails loudly if it is not there once. */
function swap(find: string, replace: string): (text: string) => string {
  return (text) => {
    const at = text.indexOf(find);
    if (at === -1 || text.indexOf(find, at + 1) !== -1) throw new Error(`"${find}" is not in the text once`);
    return text.slice(0, at) + replace + text.slice(at + find.length);
  };
}

// ---------------------------------------------------------------------------------------------
// Tokens and PoPs

/** A built token: its entry plus what a child needs to derive from it. */
interface Tok {
  entry: Entry;
  claims: Obj;
  holder: Persona;
  depth: number;
  baton: boolean;
}

interface TokenOptions {
  /** Claims to set or override (in authoring order after the standard ones). */
  set?: Obj;
  /** Standard claims to leave out. */
  omit?: string[];
  to?: Persona;
  signer?: Persona;
  tools?: Obj;
  /** `authorization_details` replaced wholesale. */
  details?: Json[];
  /** Baton profile claims; `null` leaves the claim out, undefined inherits (children only). */
  intent?: Obj | null;
  approve?: string[] | null;
  maxUses?: number | null;
  /** Header: default is the Baton header when the token carries Baton claims (or its parent did). */
  header?: Obj;
  headerText?: string;
  rewrite?: (text: string) => string;
  flip?: boolean;
}

/** Builds claims in the draft's authoring order, then Baton claims, then `set`. */
function claimsOf(base: Obj, o: TokenOptions, inherited: { intent?: Json; approve?: Json }): Obj {
  const c: Obj = { ...base };
  c.cnf = { jwk: jwkOf(o.to ?? researcher) };
  c.authorization_details = o.details ?? [{ type: "attenuating_agent_token", tools: o.tools ?? ROOT_TOOLS }];
  const intent = o.intent === undefined ? inherited.intent : o.intent;
  if (intent !== undefined && intent !== null) c.baton_intent = intent;
  const approve = o.approve === undefined ? inherited.approve : o.approve;
  if (approve !== undefined && approve !== null) c.baton_approve = approve;
  if (o.maxUses !== undefined && o.maxUses !== null) c.baton_max_uses = o.maxUses;
  for (const [k, v] of Object.entries(o.set ?? {})) c[k] = v;
  for (const k of o.omit ?? []) delete c[k];
  return c;
}

const hasBatonClaims = (c: Obj) =>
  Object.hasOwn(c, "baton_intent") || Object.hasOwn(c, "baton_approve") || Object.hasOwn(c, "baton_max_uses");

class Builder {
  constructor(readonly id: string) {}

  /**
   * A fixed, UUIDv7-shaped jti: the time of the root's iat, random bits from the vector id and a
   * label (`t<depth>` for tokens, `pop` for the PoP). The same label always gives the same jti.
   */
  jti(label: string): string {
    const random = createHash("sha256").update(`${this.id}/${label}`).digest().subarray(0, 10);
    return uuidv7(ROOT_IAT * 1000, random);
  }

  root(o: TokenOptions = {}): Tok {
    const base: Obj = {
      jti: this.jti("t0"),
      iss: ISSUER,
      iat: ROOT_IAT,
      exp: ROOT_EXP,
      del_depth: 0,
      del_max_depth: 3,
    };
    const claims = claimsOf(base, { to: orchestrator, ...o }, { intent: INTENT });
    return this.finish(claims, o, o.signer ?? principal, o.to ?? orchestrator, 0, false);
  }

  child(parent: Tok, o: TokenOptions = {}): Tok {
    const depth = parent.depth + 1;
    const base: Obj = {
      jti: this.jti(`t${depth}`),
      iss: parent.holder.key.id,
      iat: iatAt(depth),
      exp: expAt(depth),
      del_depth: depth,
      del_max_depth: parent.claims.del_max_depth as number,
      par_hash: parent.entry.signing_input_sha256_b64u,
    };
    const inherited: { intent?: Json; approve?: Json } = {};
    if (parent.claims.baton_intent !== undefined) inherited.intent = parent.claims.baton_intent;
    if (parent.claims.baton_approve !== undefined) inherited.approve = parent.claims.baton_approve;
    const to = o.to ?? (parent.holder === researcher ? fixer : researcher);
    const claims = claimsOf(base, { tools: L1_TOOLS, ...o, to }, inherited);
    return this.finish(claims, o, o.signer ?? parent.holder, to, depth, parent.baton);
  }

  private finish(
    claims: Obj,
    o: TokenOptions,
    signer: Persona,
    holder: Persona,
    depth: number,
    parentBaton: boolean,
  ): Tok {
    const baton = hasBatonClaims(claims) || parentBaton;
    const header = o.header ?? (baton ? BATON_HEADER : AAT_HEADER);
    const s: SealOptions = { header, payload: claims, signer };
    if (o.headerText !== undefined) s.headerText = o.headerText;
    if (o.rewrite) s.rewrite = o.rewrite;
    if (o.flip) s.flip = true;
    const entry = seal(s);
    const isBaton = typeof header.baton === "number" && Array.isArray(header.crit);
    return { entry, claims, holder, depth, baton: isBaton };
  }

  pop(leaf: Tok, o: PopOptions): Entry {
    const payload: Obj = {
      jti: this.jti(o.label ?? "pop"),
      iat: NOW,
      aat_id: leaf.claims.jti as string,
      aat_hash: leaf.entry.signing_input_sha256_b64u,
      aat_tool: o.tool,
      hta: o.args,
      aat_aud: AUDIENCE,
    };
    for (const [k, v] of Object.entries(o.set ?? {})) payload[k] = v;
    for (const k of o.omit ?? []) delete payload[k];
    const s: SealOptions = { header: o.header ?? POP_HEADER, payload, signer: o.signer ?? leaf.holder };
    if (o.headerText !== undefined) s.headerText = o.headerText;
    if (o.rewrite) s.rewrite = o.rewrite;
    return seal(s);
  }
}

interface PopOptions {
  tool: string;
  args: Obj;
  set?: Obj;
  omit?: string[];
  signer?: Persona;
  header?: Obj;
  headerText?: string;
  rewrite?: (text: string) => string;
  label?: string;
}

// ---------------------------------------------------------------------------------------------
// Vectors

type Verdict = "PERMIT" | "DENY";

interface Vector {
  id: string;
  title: string;
  description: string;
  notes: string[];
  cbor_twin: null;
  now: number;
  tool: string;
  args: Obj;
  policy: Obj;
  chain: Entry[];
  chain_compact: string[];
  pop: Entry | NullPop;
  expected: { verdict: Verdict; step: string | null; code: string };
}

/** The `pop` of a presentation that has no `aat_pop` member. */
type NullPop = { [K in keyof Entry]: K extends "signer" ? string : null };

const NULL_POP: NullPop = {
  header: null,
  payload: null,
  header_b64: null,
  payload_b64: null,
  signing_input: null,
  signing_input_sha256_b64u: null,
  signature_b64: null,
  compact: null,
  signer: "(absent)",
};

interface Case {
  id: string;
  title: string;
  description: string;
  notes?: string[];
  build: (b: Builder) => {
    chain: Tok[];
    pop: Entry | null;
    tool: string;
    args: Obj;
    policy?: Obj;
  };
  verdict: Verdict;
  step: string | null;
  code: string;
}

const READ = { tool: "read_file", args: { path: "/data/reports/q3.pdf" } };

/** The Baton baseline: principal → orchestrator (root, intent) → researcher → fixer. */
function baseline(b: Builder, o: { root?: TokenOptions; l1?: TokenOptions; l2?: TokenOptions } = {}) {
  const root = b.root(o.root);
  const l1 = b.child(root, { tools: L1_TOOLS, ...o.l1 });
  const l2 = b.child(l1, { tools: L2_TOOLS, ...o.l2 });
  return [root, l1, l2] as const;
}

/** A plain AAT root (no Baton claims, no marker) granting `tools` to the orchestrator. */
const plainRoot = (b: Builder, tools: Obj, o: TokenOptions = {}) => b.root({ intent: null, tools, ...o });

function pathCase(
  id: string,
  title: string,
  path: string,
  verdict: Verdict,
  why: string,
  root = "/data",
): Case {
  return {
    id,
    title,
    description: `Root grants read_file with path_containment root "${root}"; the call's path is ${JSON.stringify(path)}. ${why}`,
    build: (b) => {
      const r = b.root({ tools: { read_file: { path: within(root) } } });
      const args = { path };
      return { chain: [r], pop: b.pop(r, { tool: "read_file", args }), tool: "read_file", args };
    },
    verdict,
    step: verdict === "PERMIT" ? null : "6b",
    code: verdict === "PERMIT" ? "permitted" : "args_rejected",
  };
}

const STEP_NOTE =
  "Baton's verifier reports the first failure it meets; steps are advisory (draft App. E), the verdict and the Baton code are what a replay checks.";

function cases(): Case[] {
  const out: Case[] = [];
  const add = (c: Case) => out.push(c);

  // ---- B.1 baseline ------------------------------------------------------------------------
  add({
    id: "B.1.1",
    title: "Baton 3-token chain with intent",
    description:
      "principal → orchestrator (root, baton_intent, path_containment /data) → researcher (/data/reports, search limit ≤ 20) → fixer (read_file only). The fixer reads /data/reports/q3.pdf.",
    build: (b) => {
      const chain = baseline(b);
      return { chain: [...chain], pop: b.pop(chain[2], READ), ...READ };
    },
    verdict: "PERMIT",
    step: null,
    code: "permitted",
  });
  add({
    id: "B.1.2",
    title: "Plain AAT chain without Baton claims verifies as AAT",
    description:
      "Root and child carry no baton_* claim and no profile header: a Baton verifier treats the chain as plain AAT -02.",
    build: (b) => {
      const r = plainRoot(b, ROOT_TOOLS);
      const c = b.child(r, { tools: L2_TOOLS });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "PERMIT",
    step: null,
    code: "permitted",
  });
  add({
    id: "B.1.3",
    title: "Terminal chain at MAX_DELEGATION_DEPTH (9 tokens)",
    description:
      "del_max_depth 8 and a leaf at del_depth 8: the deepest chain this enforcement point accepts. Holders alternate researcher / fixer below the orchestrator.",
    build: (b) => {
      let t = b.root({ set: { del_max_depth: 8 } });
      const chain = [t];
      for (let d = 1; d <= 8; d++) {
        t = b.child(t, { tools: L2_TOOLS });
        chain.push(t);
      }
      return { chain, pop: b.pop(t, READ), ...READ };
    },
    verdict: "PERMIT",
    step: null,
    code: "permitted",
  });

  // ---- B.2 profile marker and crit ---------------------------------------------------------
  add({
    id: "B.2.1",
    title: "Baton claims without the profile header",
    description:
      'The root carries baton_intent but its header is plain {"alg","typ"}: a non-Baton AAT verifier would silently ignore the intent, so Baton refuses it.',
    build: (b) => {
      const r = b.root({ header: AAT_HEADER });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "B1",
    code: "profile_unmarked",
    notes: ["Baton profile step B1 (specs/baton-profile.md). A plain AAT verifier PERMITs this chain."],
  });
  add({
    id: "B.2.2",
    title: "Child drops the profile header of its parent",
    description:
      "The root is Baton-marked with an intent; the child omits every Baton claim and the marker, which would let a plain AAT verifier accept it.",
    build: (b) => {
      const r = b.root();
      const c = b.child(r, { intent: null, header: AAT_HEADER, tools: L2_TOOLS });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "B1",
    code: "profile_unmarked",
    notes: ["A plain AAT verifier PERMITs this chain: that is what the marker prevents."],
  });
  add({
    id: "B.2.3",
    title: "crit names a parameter the verifier does not understand",
    description:
      'Root header {"alg":"Ed25519","typ":"aat+jwt","crit":["x-audit-policy"],"x-audit-policy":"strict"} (RFC 7515 §4.1.11).',
    build: (b) => {
      const r = plainRoot(b, L2_TOOLS, {
        header: { ...AAT_HEADER, crit: ["x-audit-policy"], "x-audit-policy": "strict" },
      });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "3a",
    code: "crit_unsupported",
  });
  add({
    id: "B.2.4",
    title: 'crit lists "baton" but the header has no baton parameter',
    description:
      'Root header {"alg","typ","crit":["baton"]} without "baton": crit names an absent parameter.',
    build: (b) => {
      const r = b.root({ header: { ...AAT_HEADER, crit: ["baton"] } });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "3a",
    code: "crit_unsupported",
  });
  add({
    id: "B.2.5",
    title: "baton header parameter not listed in crit",
    description:
      'Root header {"alg","typ","baton":1} without crit: the marker only works if a non-Baton verifier is forced to reject it.',
    build: (b) => {
      const r = b.root({ header: { ...AAT_HEADER, baton: 1 } });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "3a",
    code: "crit_unsupported",
  });
  add({
    id: "B.2.6",
    title: "Unknown Baton profile version",
    description: 'Root header {"crit":["baton"],"baton":2}: only profile version 1 is understood.',
    build: (b) => {
      const r = b.root({ header: { ...BATON_HEADER, baton: 2 } });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "3a",
    code: "crit_unsupported",
  });
  add({
    id: "B.2.7",
    title: "Empty crit array",
    description: 'Root header carries "crit":[]; RFC 7515 §4.1.11 forbids an empty list.',
    build: (b) => {
      const r = plainRoot(b, L2_TOOLS, { header: { ...AAT_HEADER, crit: [] } });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "3a",
    code: "crit_unsupported",
  });
  add({
    id: "B.2.8",
    title: "PoP header with an unknown crit parameter",
    description: 'The PoP header is {"alg","typ":"aat-pop+jwt","crit":["x-binding"],"x-binding":"tls"}.',
    build: (b) => {
      const r = b.root({ tools: L2_TOOLS });
      const pop = b.pop(r, { ...READ, header: { ...POP_HEADER, crit: ["x-binding"], "x-binding": "tls" } });
      return { chain: [r], pop, ...READ };
    },
    verdict: "DENY",
    step: "7a",
    code: "crit_unsupported",
  });

  // ---- B.3 intent --------------------------------------------------------------------------
  add({
    id: "B.3.1",
    title: "Child bound to another intent",
    description: 'The child repeats the marker but carries baton_intent id "exfiltrate-everything".',
    build: (b) => {
      const r = b.root();
      const c = b.child(r, { intent: OTHER_INTENT, tools: L2_TOOLS });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "B2",
    code: "intent_mismatch",
  });
  add({
    id: "B.3.2",
    title: "Child introduces an intent under an unbound root",
    description: "A plain AAT root; the (marked) child sets baton_intent. Only the root may set the intent.",
    build: (b) => {
      const r = plainRoot(b, ROOT_TOOLS);
      const c = b.child(r, { intent: INTENT, tools: L2_TOOLS });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "B2",
    code: "intent_mismatch",
  });
  add({
    id: "B.3.3",
    title: "Child drops the intent but keeps the marker",
    description: "The child is Baton-marked but has no baton_intent, so it is no longer bound to the task.",
    build: (b) => {
      const r = b.root();
      const c = b.child(r, { intent: null, header: BATON_HEADER, tools: L2_TOOLS });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "B2",
    code: "intent_mismatch",
  });
  add({
    id: "B.3.4",
    title: "Malformed intent claim",
    description: 'The root\'s baton_intent has an extra member: {"id","purpose","owner"}.',
    build: (b) => {
      const r = b.root({ intent: { ...INTENT, owner: "mallory" }, tools: L2_TOOLS });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "B2",
    code: "intent_mismatch",
  });
  add({
    id: "B.3.5",
    title: "Enforcement point requires an intent; the chain has none",
    description: "policy.require_intent is true and the chain is plain AAT.",
    build: (b) => {
      const r = plainRoot(b, L2_TOOLS);
      return { chain: [r], pop: b.pop(r, READ), ...READ, policy: { require_intent: true } };
    },
    verdict: "DENY",
    step: "B2",
    code: "intent_required",
  });
  add({
    id: "B.3.6",
    title: "Enforcement point requires an intent; the chain is bound",
    description: "policy.require_intent is true and the baseline chain carries baton_intent throughout.",
    build: (b) => {
      const chain = baseline(b);
      return { chain: [...chain], pop: b.pop(chain[2], READ), ...READ, policy: { require_intent: true } };
    },
    verdict: "PERMIT",
    step: null,
    code: "permitted",
  });

  // ---- B.4 approvals -----------------------------------------------------------------------
  const DEPLOY = { tool: "deploy_prod", args: { target: "web" } };
  add({
    id: "B.4.1",
    title: "Tool matches an approval pattern; no approval presented",
    description: 'The root carries baton_approve ["deploy*"]; the orchestrator calls deploy_prod.',
    build: (b) => {
      const r = b.root({ approve: ["deploy*"] });
      return { chain: [r], pop: b.pop(r, DEPLOY), ...DEPLOY };
    },
    verdict: "DENY",
    step: "B6",
    code: "approval_required",
    notes: [
      "policy.approval is not used yet: a replaying verifier has no approval gate, so the call needs one.",
    ],
  });
  add({
    id: "B.4.2",
    title: "Approval pattern does not match the invoked tool",
    description:
      'Same root (baton_approve ["deploy*"]); the orchestrator calls read_file, which needs no approval.',
    build: (b) => {
      const r = b.root({ approve: ["deploy*"] });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "PERMIT",
    step: null,
    code: "permitted",
  });
  add({
    id: "B.4.3",
    title: "An exact pattern is not a prefix",
    description: 'baton_approve ["deploy"] names the tool id "deploy" only; deploy_prod does not match it.',
    build: (b) => {
      const r = b.root({ approve: ["deploy"] });
      return { chain: [r], pop: b.pop(r, DEPLOY), ...DEPLOY };
    },
    verdict: "PERMIT",
    step: null,
    code: "permitted",
  });
  add({
    id: "B.4.4",
    title: "Child drops an approval pattern",
    description:
      'Root baton_approve ["deploy*"]; the child\'s baton_approve is [] (patterns may only be added).',
    build: (b) => {
      const r = b.root({ approve: ["deploy*"] });
      const c = b.child(r, { approve: [], tools: L2_TOOLS });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "B3",
    code: "approval_dropped",
  });
  add({
    id: "B.4.5",
    title: "A pattern added by a child applies to its holder's calls",
    description:
      'Root has no patterns; the child adds baton_approve ["read_*"] and its holder calls read_file.',
    build: (b) => {
      const r = b.root();
      const c = b.child(r, { approve: ["read_*"], tools: L2_TOOLS });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "B6",
    code: "approval_required",
  });
  add({
    id: "B.4.6",
    title: "Malformed approval pattern",
    description: 'baton_approve ["de*ploy"]: a "*" is only allowed as the last character.',
    build: (b) => {
      const r = b.root({ approve: ["de*ploy"] });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "3b",
    code: "malformed_claims",
  });

  // ---- B.5 usage limits --------------------------------------------------------------------
  add({
    id: "B.5.1",
    title: "Usage limit with calls left",
    description: "The root carries baton_max_uses 3; the ledger has counted 2 calls.",
    build: (b) => {
      const r = b.root({ maxUses: 3, tools: L2_TOOLS });
      return {
        chain: [r],
        pop: b.pop(r, READ),
        ...READ,
        policy: { usage: { [`sha256:${r.entry.signing_input_sha256_b64u}`]: 2 } },
      };
    },
    verdict: "PERMIT",
    step: null,
    code: "permitted",
  });
  add({
    id: "B.5.2",
    title: "Single-use token already used",
    description: "The root carries baton_max_uses 1 and the ledger has counted 1 call under it.",
    build: (b) => {
      const r = b.root({ maxUses: 1, tools: L2_TOOLS });
      return {
        chain: [r],
        pop: b.pop(r, READ),
        ...READ,
        policy: { usage: { [`sha256:${r.entry.signing_input_sha256_b64u}`]: 1 } },
      };
    },
    verdict: "DENY",
    step: "B8",
    code: "usage_exceeded",
  });
  add({
    id: "B.5.3",
    title: "A parent's usage limit also counts calls made under its children",
    description:
      "The root allows 2 calls and both are used; the child omits baton_max_uses, but every limited token of the chain is charged.",
    build: (b) => {
      const r = b.root({ maxUses: 2 });
      const c = b.child(r, { tools: L2_TOOLS });
      return {
        chain: [r, c],
        pop: b.pop(c, READ),
        ...READ,
        policy: { usage: { [`sha256:${r.entry.signing_input_sha256_b64u}`]: 2 } },
      };
    },
    verdict: "DENY",
    step: "B8",
    code: "usage_exceeded",
  });
  add({
    id: "B.5.4",
    title: "Child raises the usage limit",
    description: "Root baton_max_uses 2; child baton_max_uses 5.",
    build: (b) => {
      const r = b.root({ maxUses: 2 });
      const c = b.child(r, { maxUses: 5, tools: L2_TOOLS });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "B4",
    code: "scope_widened",
  });
  add({
    id: "B.5.5",
    title: "A child's tighter limit is exhausted while the parent's is not",
    description: "Root baton_max_uses 10 (3 used); child baton_max_uses 1 (1 used).",
    build: (b) => {
      const r = b.root({ maxUses: 10 });
      const c = b.child(r, { maxUses: 1, tools: L2_TOOLS });
      return {
        chain: [r, c],
        pop: b.pop(c, READ),
        ...READ,
        policy: {
          usage: {
            [`sha256:${r.entry.signing_input_sha256_b64u}`]: 3,
            [`sha256:${c.entry.signing_input_sha256_b64u}`]: 1,
          },
        },
      };
    },
    verdict: "DENY",
    step: "B8",
    code: "usage_exceeded",
  });
  add({
    id: "B.5.6",
    title: "Usage limit of zero",
    description: "baton_max_uses must be a positive integer; 0 is malformed.",
    build: (b) => {
      const r = b.root({ maxUses: 0, tools: L2_TOOLS });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "3b",
    code: "malformed_claims",
  });

  // ---- B.6 revocation ----------------------------------------------------------------------
  const revokedCase = (
    id: string,
    title: string,
    description: string,
    target: (c: readonly [Tok, Tok, Tok]) => Obj,
  ): Case => ({
    id,
    title,
    description,
    build: (b) => {
      const chain = baseline(b);
      return { chain: [...chain], pop: b.pop(chain[2], READ), ...READ, policy: { revoked: [target(chain)] } };
    },
    verdict: "DENY",
    step: "B5",
    code: "revoked",
  });
  add(
    revokedCase(
      "B.6.1",
      "Revoked intent",
      "The baseline chain; its intent is revoked: the whole task tree dies.",
      () => ({
        kind: "intent",
        id: INTENT.id as string,
      }),
    ),
  );
  add(
    revokedCase(
      "B.6.2",
      "Revoked middle token (cascade)",
      "The baseline chain; token 1 (orchestrator → researcher) is revoked by jti. The leaf, its descendant, is refused.",
      (c) => ({ kind: "token", id: c[1].claims.jti as string }),
    ),
  );
  add(
    revokedCase(
      "B.6.3",
      "Revoked root by signing-input hash",
      "The baseline chain; the root is revoked by sha256:<b64url SHA-256 of its signing input> (its child's par_hash).",
      (c) => ({ kind: "token", id: `sha256:${c[0].entry.signing_input_sha256_b64u}` }),
    ),
  );
  add(
    revokedCase(
      "B.6.4",
      "Revoked agent",
      "The baseline chain; the researcher's agent id (thumbprint URI) is revoked. It holds token 1 and issued token 2.",
      () => ({ kind: "agent", id: researcher.key.id }),
    ),
  );
  add({
    id: "B.6.5",
    title: "Revocation of unrelated targets",
    description: "The baseline chain; another intent, an unknown jti and mallory's agent id are revoked.",
    build: (b) => {
      const chain = baseline(b);
      return {
        chain: [...chain],
        pop: b.pop(chain[2], READ),
        ...READ,
        policy: {
          revoked: [
            { kind: "intent", id: OTHER_INTENT.id as string },
            { kind: "token", id: "018cc251-f400-7000-8000-000000000000" },
            { kind: "agent", id: mallory.key.id },
          ],
        },
      };
    },
    verdict: "PERMIT",
    step: null,
    code: "permitted",
  });

  // ---- B.7 PoP replay ----------------------------------------------------------------------
  add({
    id: "B.7.1",
    title: "PoP jti replayed (second call with the same proof)",
    description:
      "The baseline presentation, presented a second time: policy.replay_seen holds its PoP jti, accepted by the first call.",
    build: (b) => {
      const chain = baseline(b);
      const pop = b.pop(chain[2], READ);
      return {
        chain: [...chain],
        pop,
        ...READ,
        policy: { replay_seen: [b.jti("pop")] },
      };
    },
    verdict: "DENY",
    step: "7i",
    code: "replayed",
    notes: [
      "Step 7i: a jti is recorded only when a call is permitted, so the first presentation of this exact PoP is PERMIT (B.1.1 shape) and the second is DENY. replay_seen pre-loads the first call's record.",
    ],
  });
  add({
    id: "B.7.2",
    title: "A fresh PoP after an earlier call",
    description:
      "Same chain; replay_seen holds the jti of an earlier PoP, and this call's PoP has a new jti.",
    build: (b) => {
      const chain = baseline(b);
      const earlier = b.jti("earlier-pop");
      return { chain: [...chain], pop: b.pop(chain[2], READ), ...READ, policy: { replay_seen: [earlier] } };
    },
    verdict: "PERMIT",
    step: null,
    code: "permitted",
  });

  // ---- B.8 path_containment (Baton extension) -----------------------------------------------
  add(
    pathCase(
      "B.8.1",
      "Path inside the root",
      "/data/reports/q3.pdf",
      "PERMIT",
      "A clean path beneath /data.",
    ),
  );
  add(pathCase("B.8.2", "Path equal to the root", "/data", "PERMIT", "The root itself is contained."));
  add(
    pathCase(
      "B.8.3",
      "Dot-dot traversal",
      "/data/../etc/passwd",
      "DENY",
      "A `..` segment is refused, never resolved.",
    ),
  );
  add(
    pathCase(
      "B.8.4",
      "Dot segment",
      "/data/./reports/q3.pdf",
      "DENY",
      "A `.` segment is refused, never normalized.",
    ),
  );
  add(pathCase("B.8.5", "Empty segment", "/data//reports/q3.pdf", "DENY", "`//` is refused."));
  add(
    pathCase(
      "B.8.6",
      "Trailing slash",
      "/data/reports/",
      "DENY",
      "A trailing `/` is an empty final segment.",
    ),
  );
  add(
    pathCase(
      "B.8.7",
      "Backslash separator",
      "/data\\..\\etc\\passwd",
      "DENY",
      "A backslash is refused outright.",
    ),
  );
  add(pathCase("B.8.8", "NUL byte", "/data/reports/q3.pdf\u0000.txt", "DENY", "A NUL byte is refused."));
  add(
    pathCase(
      "B.8.9",
      "Percent-encoded dot-dot",
      "/data/%2e%2e/etc/passwd",
      "DENY",
      "`%` is refused, so %2e%2e cannot smuggle a traversal.",
    ),
  );
  add(
    pathCase("B.8.10", "Relative path", "data/reports/q3.pdf", "DENY", "Only absolute paths are accepted."),
  );
  add(
    pathCase(
      "B.8.11",
      "Sibling with a common string prefix",
      "/data/xyz/secret.txt",
      "DENY",
      "Containment is by whole segments: /data/x does not contain /data/xyz.",
      "/data/x",
    ),
  );
  add(
    pathCase(
      "B.8.12",
      "Beneath a segment-exact root",
      "/data/x/y.txt",
      "PERMIT",
      "/data/x/y.txt lies beneath /data/x.",
      "/data/x",
    ),
  );
  add({
    id: "B.8.13",
    title: "Child widens a path root to a sibling",
    description: 'Parent path_containment "/data/x"; child path_containment "/data/xyz" (not beneath it).',
    build: (b) => {
      const r = b.root({ tools: { read_file: { path: within("/data/x") } } });
      const c = b.child(r, { tools: { read_file: { path: within("/data/xyz") } } });
      const args = { path: "/data/xyz/a.txt" };
      return { chain: [r, c], pop: b.pop(c, { tool: "read_file", args }), tool: "read_file", args };
    },
    verdict: "DENY",
    step: "4p4",
    code: "scope_widened",
  });
  add({
    id: "B.8.14",
    title: "Child pins an exact path beneath the parent's root",
    description:
      'Parent path_containment "/data"; child exact "/data/reports/q3.pdf" (an exact inside the root is subsumed).',
    build: (b) => {
      const r = b.root();
      const c = b.child(r, { tools: { read_file: { path: exact("/data/reports/q3.pdf") } } });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "PERMIT",
    step: null,
    code: "permitted",
  });
  add({
    id: "B.8.15",
    title: "path_containment root that is not clean",
    description: 'A child grants path_containment "/data/../etc": malformed wherever it appears (4o).',
    build: (b) => {
      const r = b.root();
      const c = b.child(r, { tools: { read_file: { path: within("/data/../etc") } } });
      const args = { path: "/etc/passwd" };
      return { chain: [r, c], pop: b.pop(c, { tool: "read_file", args }), tool: "read_file", args };
    },
    verdict: "DENY",
    step: "4o",
    code: "invalid_constraint",
  });

  // ---- B.9 strict JSON: duplicate members and number forms ---------------------------------
  add({
    id: "B.9.1",
    title: "Duplicate member in an AAT payload (same value twice)",
    description:
      'The root payload text repeats "del_depth":0. Duplicate member names are rejected even when the values agree.',
    build: (b) => {
      const r = plainRoot(b, L2_TOOLS, { rewrite: swap('"del_depth":0', '"del_depth":0,"del_depth":0') });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "3b",
    code: "malformed_claims",
    notes: [
      "Many JSON parsers keep the last (or first) duplicate silently; some accept a repeat only when the values are equal. Both must DENY.",
      `Baton's verifier may report step 2c: its jti scan already refuses to parse the payload. ${STEP_NOTE}`,
    ],
  });
  add({
    id: "B.9.2",
    title: "Duplicate member in a derived AAT payload (differing values)",
    description:
      'The child payload text has "exp" twice: first the parent-bounded value, then one an hour later.',
    build: (b) => {
      const r = plainRoot(b, ROOT_TOOLS);
      const c = b.child(r, {
        tools: L2_TOOLS,
        rewrite: swap(`"exp":${expAt(1)}`, `"exp":${expAt(1)},"exp":${ROOT_EXP + 3600}`),
      });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "4b",
    code: "malformed_claims",
    notes: [`Baton's verifier may report step 2c. ${STEP_NOTE}`],
  });
  add({
    id: "B.9.3",
    title: "Duplicate member in a PoP payload",
    description: 'The PoP payload text repeats "aat_tool":"read_file".',
    build: (b) => {
      const r = plainRoot(b, L2_TOOLS);
      const pop = b.pop(r, {
        ...READ,
        rewrite: swap('"aat_tool":"read_file"', '"aat_tool":"read_file","aat_tool":"read_file"'),
      });
      return { chain: [r], pop, ...READ };
    },
    verdict: "DENY",
    step: "7b",
    code: "malformed_claims",
  });
  add({
    id: "B.9.4",
    title: "Duplicate member in an AAT header",
    description: 'The root header text is {"alg":"Ed25519","typ":"aat+jwt","typ":"aat+jwt"}.',
    build: (b) => {
      const r = plainRoot(b, L2_TOOLS, { headerText: '{"alg":"Ed25519","typ":"aat+jwt","typ":"aat+jwt"}' });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "3a",
    code: "malformed_token",
    notes: [
      "RFC 7515 §4: header parameter names MUST be unique. Baton refuses the unreadable header when it splits the compact form (reported at 2c).",
    ],
  });
  add({
    id: "B.9.5",
    title: "Duplicate member in a PoP header",
    description: 'The PoP header text is {"alg":"Ed25519","alg":"Ed25519","typ":"aat-pop+jwt"}.',
    build: (b) => {
      const r = plainRoot(b, L2_TOOLS);
      const pop = b.pop(r, { ...READ, headerText: '{"alg":"Ed25519","alg":"Ed25519","typ":"aat-pop+jwt"}' });
      return { chain: [r], pop, ...READ };
    },
    verdict: "DENY",
    step: "7a",
    code: "malformed_token",
  });
  add({
    id: "B.9.6",
    title: "NumericDate with a fraction",
    description: `The root's iat is written ${ROOT_IAT}.0: NumericDates have no fraction.`,
    build: (b) => {
      const r = plainRoot(b, L2_TOOLS, { rewrite: swap(`"iat":${ROOT_IAT}`, `"iat":${ROOT_IAT}.0`) });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "3b",
    code: "malformed_claims",
  });
  add({
    id: "B.9.7",
    title: "NumericDate with an exponent",
    description: `The root's exp is written 1.7040708e9 (= ${ROOT_EXP}): NumericDates have no exponent.`,
    build: (b) => {
      const r = plainRoot(b, L2_TOOLS, { rewrite: swap(`"exp":${ROOT_EXP}`, '"exp":1.7040708e9') });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "3b",
    code: "malformed_claims",
  });
  add({
    id: "B.9.8",
    title: "del_depth with an exponent",
    description: "The child's del_depth is written 1e0.",
    build: (b) => {
      const r = plainRoot(b, ROOT_TOOLS);
      const c = b.child(r, { tools: L2_TOOLS, rewrite: swap('"del_depth":1', '"del_depth":1e0') });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "4b",
    code: "malformed_claims",
  });
  add({
    id: "B.9.9",
    title: "PoP iat with a fraction",
    description: `The PoP's iat is written ${NOW}.0.`,
    build: (b) => {
      const r = plainRoot(b, L2_TOOLS);
      const pop = b.pop(r, { ...READ, rewrite: swap(`"iat":${NOW}`, `"iat":${NOW}.0`) });
      return { chain: [r], pop, ...READ };
    },
    verdict: "DENY",
    step: "7c",
    code: "malformed_claims",
  });
  const SEARCH = (limit: number) => ({ tool: "search", args: { query: "q3", limit } });
  add({
    id: "B.9.10",
    title: "Inadmissible number in a constraint",
    description:
      "The root's search.limit is range max 9007199254740993 (2^53+1), which no IEEE-754 double represents: its JCS form would be 9007199254740992.",
    build: (b) => {
      const tools = { search: { query: WILD, limit: range({ max: 9007199254740992 }) } };
      const r = plainRoot(b, tools, { rewrite: swap('"max":9007199254740992', '"max":9007199254740993') });
      return { chain: [r], pop: b.pop(r, SEARCH(5)), ...SEARCH(5) };
    },
    verdict: "DENY",
    step: "3n",
    code: "invalid_constraint",
  });
  add({
    id: "B.9.11",
    title: "Admissible large number in a constraint",
    description: "range max 9007199254740994 (2^53+2) round-trips through JCS and is admissible.",
    build: (b) => {
      const r = plainRoot(b, { search: { query: WILD, limit: range({ max: 9007199254740994 }) } });
      return { chain: [r], pop: b.pop(r, SEARCH(5)), ...SEARCH(5) };
    },
    verdict: "PERMIT",
    step: null,
    code: "permitted",
  });
  add({
    id: "B.9.12",
    title: "Exponent form in a constraint is admissible",
    description:
      "range max written 1e2: constraint numbers only need to be admissible (JCS form denotes the same number), unlike integer claims.",
    build: (b) => {
      const r = plainRoot(
        b,
        { search: { query: WILD, limit: range({ max: 100 }) } },
        { rewrite: swap('"max":100', '"max":1e2') },
      );
      return { chain: [r], pop: b.pop(r, SEARCH(50)), ...SEARCH(50) };
    },
    verdict: "PERMIT",
    step: null,
    code: "permitted",
  });

  // ---- B.10 keys in the header are never used ----------------------------------------------
  add({
    id: "B.10.1",
    title: "Valid root with an extra header jwk and jku",
    description:
      "The root is signed by the trust anchor but its header also carries mallory's jwk, a kid and a jku. They are ignored: the root verifies under the anchor.",
    build: (b) => {
      const r = b.root({
        tools: L2_TOOLS,
        header: {
          ...BATON_HEADER,
          jwk: jwkOf(mallory),
          jku: "https://mallory.example/jwks.json",
          kid: "mallory",
        },
      });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "PERMIT",
    step: null,
    code: "permitted",
    notes: ["AAT -02 §3.5 / J.14.c in the newer vector set: keys in the header MUST NOT be used."],
  });
  add({
    id: "B.10.2",
    title: "Root signed by an attacker who puts their key in the header",
    description:
      "The root claims the trust anchor's issuer, is signed by mallory and carries mallory's jwk in its header.",
    build: (b) => {
      const r = b.root({
        tools: L2_TOOLS,
        signer: mallory,
        header: { ...BATON_HEADER, jwk: jwkOf(mallory) },
      });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "3b",
    code: "bad_signature",
  });
  add({
    id: "B.10.3",
    title: "Child signed by an attacker who puts their key in the header",
    description:
      "The child is signed by mallory (not the orchestrator, the parent's holder) with mallory's jwk in the header.",
    build: (b) => {
      const r = b.root();
      const c = b.child(r, {
        tools: L2_TOOLS,
        signer: mallory,
        header: { ...BATON_HEADER, jwk: jwkOf(mallory) },
      });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "4b",
    code: "bad_signature",
  });
  add({
    id: "B.10.4",
    title: "PoP signed by an attacker who puts their key in the header",
    description:
      "The PoP is signed by mallory with mallory's jwk in its header; the leaf's cnf.jwk is the orchestrator's.",
    build: (b) => {
      const r = b.root({ tools: L2_TOOLS });
      const pop = b.pop(r, { ...READ, signer: mallory, header: { ...POP_HEADER, jwk: jwkOf(mallory) } });
      return { chain: [r], pop, ...READ };
    },
    verdict: "DENY",
    step: "7b",
    code: "bad_signature",
  });

  // ---- B.11 optional and "*" arguments -----------------------------------------------------
  const EXPORT_ROOT: Obj = {
    export: { dest: exact("s3://reports"), format: optional(oneOf("csv", "pdf")), "*": WILD },
  };
  const exportCall = (args: Obj) => ({ tool: "export", args });
  const exportCase = (
    id: string,
    title: string,
    description: string,
    child: Obj | null,
    args: Obj,
    verdict: Verdict,
    step: string | null,
    code: string,
    rootTools: Obj = EXPORT_ROOT,
  ): Case => ({
    id,
    title,
    description,
    build: (b) => {
      const r = b.root({ tools: rootTools });
      const chain = [r];
      if (child) chain.push(b.child(r, { tools: { export: child } }));
      const leaf = chain[chain.length - 1] as Tok;
      return { chain, pop: b.pop(leaf, exportCall(args)), ...exportCall(args) };
    },
    verdict,
    step,
    code,
  });
  const ROOT_DESC =
    'Root export map {dest: exact "s3://reports", format: optional one_of [csv,pdf], "*": wildcard}.';
  add(
    exportCase(
      "B.11.1",
      "Optional argument absent",
      `${ROOT_DESC} The call omits format.`,
      null,
      { dest: "s3://reports" },
      "PERMIT",
      null,
      "permitted",
    ),
  );
  add(
    exportCase(
      "B.11.2",
      "Optional argument present and violating",
      `${ROOT_DESC} The call passes format "xlsx".`,
      null,
      { dest: "s3://reports", format: "xlsx" },
      "DENY",
      "6b",
      "args_rejected",
    ),
  );
  add(
    exportCase(
      "B.11.3",
      'Unnamed argument admitted by "*"',
      `${ROOT_DESC} The call adds an unnamed argument "tag".`,
      null,
      { dest: "s3://reports", tag: "board" },
      "PERMIT",
      null,
      "permitted",
    ),
  );
  add(
    exportCase(
      "B.11.4",
      'Child constrains an argument the parent admitted via "*"',
      `${ROOT_DESC} Child {dest, format, "*", tag: exact "board"}.`,
      { dest: exact("s3://reports"), format: optional(oneOf("csv", "pdf")), "*": WILD, tag: exact("board") },
      { dest: "s3://reports", tag: "board" },
      "PERMIT",
      null,
      "permitted",
    ),
  );
  add(
    exportCase(
      "B.11.5",
      'Child omits an optional argument but keeps "*"',
      `${ROOT_DESC} Child {dest, "*"}: "*" would readmit format with any value.`,
      { dest: exact("s3://reports"), "*": WILD },
      { dest: "s3://reports" },
      "DENY",
      "4p2",
      "scope_widened",
    ),
  );
  add(
    exportCase(
      "B.11.6",
      'Child omits an optional argument and drops "*"; the call uses it',
      `${ROOT_DESC} Child {dest} only: format is now forbidden, and the call passes format "csv".`,
      { dest: exact("s3://reports") },
      { dest: "s3://reports", format: "csv" },
      "DENY",
      "6b",
      "args_rejected",
    ),
  );
  add(
    exportCase(
      "B.11.7",
      'Child omits an optional argument and drops "*"; the call does not use it',
      `${ROOT_DESC} Child {dest} only; the call passes dest alone.`,
      { dest: exact("s3://reports") },
      { dest: "s3://reports" },
      "PERMIT",
      null,
      "permitted",
    ),
  );
  add(
    exportCase(
      "B.11.8",
      'Child adds "*" the parent does not have',
      'Root export map {dest: exact}; child {dest: exact, "*": wildcard}.',
      { dest: exact("s3://reports"), "*": WILD },
      { dest: "s3://reports" },
      "DENY",
      "4p2",
      "scope_widened",
      { export: { dest: exact("s3://reports") } },
    ),
  );
  add(
    exportCase(
      "B.11.9",
      "Child makes a required argument optional",
      `${ROOT_DESC} Child {dest: optional exact, format, "*"}.`,
      { dest: optional(exact("s3://reports")), format: optional(oneOf("csv", "pdf")), "*": WILD },
      { dest: "s3://reports" },
      "DENY",
      "4p3",
      "scope_widened",
    ),
  );
  add(
    exportCase(
      "B.11.10",
      "Child makes an optional argument required",
      `${ROOT_DESC} Child {dest, format: one_of [csv] (required), "*"}.`,
      { dest: exact("s3://reports"), format: oneOf("csv"), "*": WILD },
      { dest: "s3://reports", format: "csv" },
      "PERMIT",
      null,
      "permitted",
    ),
  );
  add(
    exportCase(
      "B.11.11",
      "Required argument missing at the leaf",
      `${ROOT_DESC} The call omits dest.`,
      null,
      { format: "csv" },
      "DENY",
      "6b",
      "args_rejected",
    ),
  );
  add(
    exportCase(
      "B.11.12",
      '"*" that is not a plain wildcard',
      'Root export map {"*": exact "x"}: "*" must be exactly {"constraint_type":"wildcard"}.',
      null,
      { dest: "x" },
      "DENY",
      "3n",
      "invalid_constraint",
      { export: { "*": exact("x") } },
    ),
  );
  add(
    exportCase(
      "B.11.13",
      "optional below the top level",
      'Root export map {dest: all [exact "s3://reports" with "optional": true]}: optional is only allowed on a map entry.',
      null,
      { dest: "s3://reports" },
      "DENY",
      "3n",
      "invalid_constraint",
      { export: { dest: allOf(optional(exact("s3://reports"))) } },
    ),
  );

  // ---- B.12 limits -------------------------------------------------------------------------
  add({
    id: "B.12.1",
    title: "Token over MAX_TOKEN_SIZE",
    description:
      "A valid root padded with an unknown claim x_padding to just over 65,536 bytes of compact serialization (2a, before any decoding).",
    build: (b) => {
      const r = padded(65_600, (pad) => b.root({ tools: L2_TOOLS, set: { x_padding: pad } }));
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "2a",
    code: "token_too_large",
  });
  add({
    id: "B.12.2",
    title: "Chain over MAX_CHAIN_SIZE, every token within MAX_TOKEN_SIZE",
    description:
      "A valid 5-token chain whose four derived tokens are padded (unknown claim x_padding) to about 65,400 bytes each: every token passes 2a, the total passes MAX_CHAIN_SIZE (262,144) and 2b rejects it.",
    build: (b) => {
      let t = b.root({ set: { del_max_depth: 4 } });
      const chain = [t];
      for (let d = 1; d <= 4; d++) {
        const parent = t;
        t = padded(65_400, (pad) => b.child(parent, { tools: L2_TOOLS, set: { x_padding: pad } }));
        chain.push(t);
      }
      return { chain, pop: b.pop(t, READ), ...READ };
    },
    verdict: "DENY",
    step: "2b",
    code: "chain_too_large",
  });
  add({
    id: "B.12.3",
    title: "del_max_depth over MAX_DELEGATION_DEPTH",
    description: "The root sets del_max_depth 9; this enforcement point's MAX_DELEGATION_DEPTH is 8.",
    build: (b) => {
      const r = b.root({ tools: L2_TOOLS, set: { del_max_depth: 9 } });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "3i",
    code: "depth_exceeded",
  });
  add({
    id: "B.12.4",
    title: "Constraint at MAX_CONSTRAINT_DEPTH",
    description: "search.query is 31 nested `all` around a wildcard: depth 32, the limit.",
    build: (b) => {
      const r = plainRoot(b, { search: { query: nested(32), limit: WILD } });
      return { chain: [r], pop: b.pop(r, SEARCH(5)), ...SEARCH(5) };
    },
    verdict: "PERMIT",
    step: null,
    code: "permitted",
    notes: ["A non-composite constraint has depth 1, a composite one more than its deepest clause (§3.4)."],
  });
  add({
    id: "B.12.5",
    title: "Constraint over MAX_CONSTRAINT_DEPTH",
    description: "search.query is 32 nested `all` around a wildcard: depth 33.",
    build: (b) => {
      const r = plainRoot(b, { search: { query: nested(33), limit: WILD } });
      return { chain: [r], pop: b.pop(r, SEARCH(5)), ...SEARCH(5) };
    },
    verdict: "DENY",
    step: "3n",
    code: "invalid_constraint",
  });

  // ---- B.13 audience -----------------------------------------------------------------------
  add({
    id: "B.13.1",
    title: "Child without aud under a root addressed to this EP",
    description: `Root aud "${AUDIENCE}"; the child has no aud. Every aud in the chain still names this EP.`,
    build: (b) => {
      const r = b.root({ set: { aud: AUDIENCE } });
      const c = b.child(r, { tools: L2_TOOLS });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "PERMIT",
    step: null,
    code: "permitted",
  });
  add({
    id: "B.13.2",
    title: "Child aud names another enforcement point",
    description: `Root aud "${AUDIENCE}"; child aud "${OTHER_EP}".`,
    build: (b) => {
      const r = b.root({ set: { aud: AUDIENCE } });
      const c = b.child(r, { tools: L2_TOOLS, set: { aud: OTHER_EP } });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "6c",
    code: "audience_mismatch",
  });
  add({
    id: "B.13.3",
    title: "Child cannot lift the root's audience",
    description: `Root aud "${OTHER_EP}"; the child sets aud "${AUDIENCE}" (this EP). The root's aud is still checked.`,
    build: (b) => {
      const r = b.root({ set: { aud: OTHER_EP } });
      const c = b.child(r, { tools: L2_TOOLS, set: { aud: AUDIENCE } });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "6c",
    code: "audience_mismatch",
  });
  add({
    id: "B.13.4",
    title: "aud array that includes this EP",
    description: `Root aud ["${OTHER_EP}", "${AUDIENCE}"].`,
    build: (b) => {
      const r = b.root({ tools: L2_TOOLS, set: { aud: [OTHER_EP, AUDIENCE] } });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "PERMIT",
    step: null,
    code: "permitted",
  });

  // ---- B.14 what is ignored ----------------------------------------------------------------
  add({
    id: "B.14.1",
    title: "Unknown top-level claim",
    description:
      'The root carries "x_ticket": {"system":"jira","id":"OPS-42"}; unknown claims are ignored (§3.4).',
    build: (b) => {
      const r = b.root({ tools: L2_TOOLS, set: { x_ticket: { system: "jira", id: "OPS-42" } } });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "PERMIT",
    step: null,
    code: "permitted",
  });
  add({
    id: "B.14.2",
    title: "nbf in the future is ignored",
    description: `The root carries nbf ${ROOT_EXP - 60} (after now).`,
    build: (b) => {
      const r = b.root({ tools: L2_TOOLS, set: { nbf: ROOT_EXP - 60 } });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "PERMIT",
    step: null,
    code: "permitted",
    notes: [
      "AAT -02 does not define nbf (§3.2): validity starts at iat, bounded by MAX_IAT_SKEW. An enforcement point ignores nbf like any unrecognized claim, so this is PERMIT. A verifier built on a generic JWT library (e.g. jose's jwtVerify, which enforces nbf) would DENY it.",
    ],
  });
  add({
    id: "B.14.3",
    title: "AAT entry plus an unrelated RAR entry",
    description:
      'authorization_details holds the AAT entry and a {"type":"payment_initiation",...} entry, which carries no AAT authority and is ignored.',
    build: (b) => {
      const r = b.root({
        details: [
          { type: "payment_initiation", instructedAmount: { currency: "EUR", amount: "123.50" } },
          { type: "attenuating_agent_token", tools: L2_TOOLS },
        ],
      });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "PERMIT",
    step: null,
    code: "permitted",
  });
  add({
    id: "B.14.4",
    title: "Two AAT entries",
    description: "authorization_details holds two attenuating_agent_token entries; exactly one is allowed.",
    build: (b) => {
      const r = b.root({
        details: [
          { type: "attenuating_agent_token", tools: L2_TOOLS },
          { type: "attenuating_agent_token", tools: ROOT_TOOLS },
        ],
      });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "3m",
    code: "invalid_authorization_details",
  });
  add({
    id: "B.14.5",
    title: "Leaf without an AAT entry",
    description:
      "The child's authorization_details holds only an unrelated entry: a valid (empty) non-leaf token, but a leaf needs exactly one AAT entry.",
    build: (b) => {
      const r = b.root();
      const c = b.child(r, {
        details: [{ type: "payment_initiation", instructedAmount: { currency: "EUR", amount: "1.00" } }],
      });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "6a",
    code: "invalid_authorization_details",
  });

  // ---- B.15 one vector per remaining code ---------------------------------------------------
  add({
    id: "B.15.1",
    title: "Empty chain",
    description: "aat_chain is []; the PoP is well-formed but names nothing.",
    build: (b) => {
      const r = b.root({ tools: L2_TOOLS });
      return { chain: [], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "1",
    code: "chain_empty",
  });
  add({
    id: "B.15.2",
    title: "Presentation without aat_pop",
    description: "The presentation has aat_chain only (pop.compact is null: the member is absent).",
    build: (b) => {
      const r = b.root({ tools: L2_TOOLS });
      return { chain: [r], pop: null, ...READ };
    },
    verdict: "DENY",
    step: "1",
    code: "malformed_presentation",
    notes: [
      "§7.4: a presentation is {aat_chain, aat_pop}. Baton reports the malformed presentation at step 1, before looking at the chain.",
    ],
  });
  add({
    id: "B.15.3",
    title: "Padded base64url signature segment",
    description: 'The root\'s signature segment ends in "==": compact JWS uses unpadded base64url.',
    build: (b) => {
      const probe = b.root({ tools: L2_TOOLS });
      const r = reSeal(probe, { signatureB64: `${probe.entry.signature_b64}==` });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "2c",
    code: "malformed_token",
  });
  add({
    id: "B.15.4",
    title: "Duplicate jti across the chain",
    description: "The child reuses the root's jti.",
    build: (b) => {
      const r = b.root();
      const c = b.child(r, { tools: L2_TOOLS, set: { jti: r.claims.jti as string } });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "2c",
    code: "duplicate_jti",
  });
  add({
    id: "B.15.5",
    title: 'PoP with alg "EdDSA"',
    description: 'The PoP header uses the polymorphic "EdDSA" instead of the fully specified "Ed25519".',
    build: (b) => {
      const r = b.root({ tools: L2_TOOLS });
      return {
        chain: [r],
        pop: b.pop(r, { ...READ, header: { alg: "EdDSA", typ: "aat-pop+jwt" } }),
        ...READ,
      };
    },
    verdict: "DENY",
    step: "7a",
    code: "unsupported_alg",
  });
  add({
    id: "B.15.6",
    title: 'Child typed "JWT"',
    description: 'The child header has typ "JWT" instead of "aat+jwt".',
    build: (b) => {
      const r = b.root();
      const c = b.child(r, { tools: L2_TOOLS, header: { ...BATON_HEADER, typ: "JWT" } });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "4a",
    code: "wrong_typ",
  });
  add({
    id: "B.15.7",
    title: "Child raises del_max_depth",
    description: "Root del_max_depth 3; child del_max_depth 5.",
    build: (b) => {
      const r = b.root();
      const c = b.child(r, { tools: L2_TOOLS, set: { del_max_depth: 5 } });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "4g",
    code: "invalid_depth",
  });
  add({
    id: "B.15.8",
    title: "Root carries par_hash",
    description: "The root has a par_hash claim; a root has no parent.",
    build: (b) => {
      const r = b.root({ tools: L2_TOOLS, set: { par_hash: sha256b64u("no parent") } });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "3d",
    code: "root_has_parent",
  });
  add({
    id: "B.15.9",
    title: "Expired leaf under a live root",
    description: `The child's exp is ${NOW - 1}, one second before now.`,
    build: (b) => {
      const r = b.root();
      const c = b.child(r, { tools: L2_TOOLS, set: { exp: NOW - 1 } });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "4i",
    code: "expired",
  });
  add({
    id: "B.15.10",
    title: "Child issued beyond the clock skew",
    description: `The child's iat is ${NOW + 31}, now + MAX_IAT_SKEW + 1.`,
    build: (b) => {
      const r = b.root();
      const c = b.child(r, { tools: L2_TOOLS, set: { iat: NOW + 31 } });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "4k",
    code: "issued_in_future",
  });
  add({
    id: "B.15.11",
    title: "Root expires before it is issued",
    description: `The root's iat is ${NOW + 20} (within the skew) and its exp ${NOW + 10}: still in the future, but before iat.`,
    build: (b) => {
      const r = b.root({ tools: L2_TOOLS, set: { iat: NOW + 20, exp: NOW + 10 } });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "3g",
    code: "invalid_lifetime",
  });
  add({
    id: "B.15.12",
    title: "Child outlives its parent",
    description: `The child's exp is ${ROOT_EXP + 60}, after the root's ${ROOT_EXP}.`,
    build: (b) => {
      const r = b.root();
      const c = b.child(r, { tools: L2_TOOLS, set: { exp: ROOT_EXP + 60 } });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "4h",
    code: "ttl_widened",
  });
  add({
    id: "B.15.13",
    title: "Derived iss names another agent",
    description:
      "The child is signed by the orchestrator (the parent's holder) but its iss is mallory's thumbprint URI.",
    build: (b) => {
      const r = b.root();
      const c = b.child(r, { tools: L2_TOOLS, set: { iss: mallory.key.id } });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "4c",
    code: "issuer_mismatch",
  });
  add({
    id: "B.15.14",
    title: "Holder key of small order",
    description:
      "The root's cnf.jwk is the Ed25519 identity point (x = 01 00…00): small-order keys accept trivial forgeries and are refused.",
    build: (b) => {
      const identity = Buffer.alloc(32);
      identity[0] = 1;
      const r = b.root({
        tools: L2_TOOLS,
        set: { cnf: { jwk: { kty: "OKP", crv: "Ed25519", x: b64urlEncode(identity) } } },
      });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "3l",
    code: "untrusted_key",
  });
  add({
    id: "B.15.15",
    title: "par_hash over a sibling root",
    description:
      "The child's par_hash is the hash of another root the orchestrator holds (with a wider audience), not of the presented root (I5, grant-context substitution).",
    build: (b) => {
      const r = b.root({ set: { aud: AUDIENCE } });
      const other = b.root({ set: { jti: b.jti("sibling") } });
      const c = b.child(r, { tools: L2_TOOLS, set: { par_hash: other.entry.signing_input_sha256_b64u } });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "4q",
    code: "par_hash_mismatch",
  });
  add({
    id: "B.15.16",
    title: "Tool not granted by the leaf",
    description: "The baseline leaf grants read_file only; the fixer calls search.",
    build: (b) => {
      const chain = baseline(b);
      return { chain: [...chain], pop: b.pop(chain[2], SEARCH(5)), ...SEARCH(5) };
    },
    verdict: "DENY",
    step: "6b",
    code: "tool_not_granted",
  });
  add({
    id: "B.15.17",
    title: "PoP bound to another leaf",
    description: "The PoP's aat_hash is the root's signing-input hash, not the leaf's.",
    build: (b) => {
      const chain = baseline(b);
      const pop = b.pop(chain[2], { ...READ, set: { aat_hash: chain[0].entry.signing_input_sha256_b64u } });
      return { chain: [...chain], pop, ...READ };
    },
    verdict: "DENY",
    step: "7c",
    code: "pop_mismatch",
  });
  add({
    id: "B.15.18",
    title: "PoP for another tool",
    description: 'The PoP\'s aat_tool is "search"; the call is read_file.',
    build: (b) => {
      const r = b.root();
      return { chain: [r], pop: b.pop(r, { ...READ, set: { aat_tool: "search" } }), ...READ };
    },
    verdict: "DENY",
    step: "7e",
    code: "tool_mismatch",
  });
  add({
    id: "B.15.19",
    title: "PoP for other arguments",
    description: "The PoP's hta names /data/reports/q4.pdf; the call reads q3.",
    build: (b) => {
      const r = b.root();
      return {
        chain: [r],
        pop: b.pop(r, { ...READ, set: { hta: { path: "/data/reports/q4.pdf" } } }),
        ...READ,
      };
    },
    verdict: "DENY",
    step: "7f",
    code: "args_mismatch",
  });
  add({
    id: "B.15.20",
    title: "Stale PoP",
    description: `The PoP's iat is ${NOW - 31}, outside the ±30 s window.`,
    build: (b) => {
      const r = b.root();
      return { chain: [r], pop: b.pop(r, { ...READ, set: { iat: NOW - 31 } }), ...READ };
    },
    verdict: "DENY",
    step: "7g",
    code: "pop_stale",
  });
  add({
    id: "B.15.21",
    title: "PoP nonce not issued here",
    description: 'policy.nonce is "n-7f3a"; the PoP carries nonce "n-0000".',
    build: (b) => {
      const r = b.root();
      return {
        chain: [r],
        pop: b.pop(r, { ...READ, set: { nonce: "n-0000" } }),
        ...READ,
        policy: { nonce: "n-7f3a" },
      };
    },
    verdict: "DENY",
    step: "7h",
    code: "nonce_invalid",
  });
  add({
    id: "B.15.22",
    title: "Child adds a tool",
    description: "The root grants read_file only; the child grants read_file and deploy_prod.",
    build: (b) => {
      const r = b.root({ tools: L2_TOOLS });
      const c = b.child(r, { tools: { ...L2_TOOLS, deploy_prod: { target: exact("web") } } });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "4p1",
    code: "scope_widened",
  });
  add({
    id: "B.15.23",
    title: "Root signed by the trust anchor, signature bit flipped",
    description: "The baseline root with signature byte 0 XOR 0x01.",
    build: (b) => {
      const r = b.root({ tools: L2_TOOLS, flip: true });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "3b",
    code: "bad_signature",
  });

  // ---- B.16 issue 9: inherited exactly, bounded work, clean paths, bounded strings ------------
  add({
    id: "B.16.1",
    title: "Child repeats the intent id but rewrites its purpose",
    description:
      'The child carries baton_intent {"id":"triage-q3-reports","purpose":"copy every report to an outside bucket"}: same id, another purpose. The whole intent is inherited exactly.',
    build: (b) => {
      const r = b.root();
      const c = b.child(r, {
        intent: { id: INTENT.id as string, purpose: "copy every report to an outside bucket" },
        tools: L2_TOOLS,
      });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "B2",
    code: "intent_mismatch",
  });
  add({
    id: "B.16.2",
    title: "Usage limit raised over a gap",
    description:
      "Root baton_max_uses 2, the middle token carries no limit, the leaf 3. The leaf is compared with the nearest ancestor that has a limit (the root), not only its direct parent.",
    build: (b) => {
      const r = b.root({ maxUses: 2 });
      const l1 = b.child(r, { tools: L1_TOOLS });
      const l2 = b.child(l1, { tools: L2_TOOLS, maxUses: 3 });
      return { chain: [r, l1, l2], pop: b.pop(l2, READ), ...READ };
    },
    verdict: "DENY",
    step: "B4",
    code: "scope_widened",
  });
  add({
    id: "B.16.3",
    title: "Usage limit lowered over a gap",
    description: "Root baton_max_uses 2, a middle token with no limit, the leaf 1: a narrowing, permitted.",
    build: (b) => {
      const r = b.root({ maxUses: 2 });
      const l1 = b.child(r, { tools: L1_TOOLS });
      const l2 = b.child(l1, { tools: L2_TOOLS, maxUses: 1 });
      return { chain: [r, l1, l2], pop: b.pop(l2, READ), ...READ };
    },
    verdict: "PERMIT",
    step: null,
    code: "permitted",
  });
  add(
    pathCase(
      "B.16.4",
      "path_containment: fullwidth solidus and full stops (NFKC form differs)",
      "/data\uff0f\uff0e\uff0e\uff0fetc\uff0fpasswd",
      "DENY",
      "U+FF0F and U+FF0E become / and . under NFKC or a best-fit conversion; a value whose NFKC form differs from itself never satisfies the constraint.",
    ),
  );
  add(
    pathCase(
      "B.16.5",
      "path_containment: two-dot leader U+2025",
      "/data/\u2025/etc/passwd",
      "DENY",
      "U+2025 is .. under NFKC.",
    ),
  );
  add(
    pathCase(
      "B.16.6",
      "path_containment: C1 control character",
      "/data/reports/q3\u0085.pdf",
      "DENY",
      "U+0085 (NEL) is a C1 control; C0/C1 controls never satisfy the constraint.",
    ),
  );
  add({
    id: "B.16.7",
    title: "path_containment root with a fullwidth solidus",
    description:
      'The root\'s path_containment root is "/data\uff0freports": not clean, so the token is malformed (3n).',
    build: (b) => {
      const r = b.root({ tools: { read_file: { path: within("/data\uff0freports") } } });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "3n",
    code: "invalid_constraint",
  });
  add({
    id: "B.16.8",
    title: "An any with more clauses than the limit",
    description:
      "The root constrains search.query with an any of 33 exact clauses; at most 32 clauses per all/any are admitted (3n).",
    build: (b) => {
      const clauses = Array.from({ length: 33 }, (_, i) => exact(`q${i}`));
      const r = b.root({ tools: { search: { query: { constraint_type: "any", constraints: clauses } } } });
      const args = { query: "q0" };
      return { chain: [r], pop: b.pop(r, { tool: "search", args }), tool: "search", args };
    },
    verdict: "DENY",
    step: "3n",
    code: "constraint_too_large",
  });
  add({
    id: "B.16.9",
    title: "A child whose argument tree has more nodes than the limit",
    description:
      "The child constrains search.query with an all of 32 clauses, each an all of 2 wildcards (1 + 32 × 3 = 97 nodes); at most 64 nodes per argument are admitted (4o).",
    build: (b) => {
      const clauses = Array.from({ length: 32 }, () => allOf(WILD, WILD));
      const r = b.root();
      const c = b.child(r, {
        tools: { search: { query: { constraint_type: "all", constraints: clauses } } },
      });
      const args = { query: "q3" };
      return { chain: [r, c], pop: b.pop(c, { tool: "search", args }), tool: "search", args };
    },
    verdict: "DENY",
    step: "4o",
    code: "constraint_too_large",
  });
  add({
    id: "B.16.10",
    title: "A jti longer than 256 characters",
    description:
      "The root's jti is 300 characters. String claims have AAT-sized bounds, checked for the untrusted jti already at 2c.",
    build: (b) => {
      const r = b.root({ tools: L2_TOOLS, set: { jti: `${b.jti("t0")}-${"x".repeat(263)}` } });
      return { chain: [r], pop: b.pop(r, READ), ...READ };
    },
    verdict: "DENY",
    step: "2c",
    code: "malformed_claims",
  });
  add({
    id: "B.16.11",
    title: "PoP without aat_aud under a chain that names no aud (default policy)",
    description:
      "No token of the chain carries aud and the PoP has no aat_aud. With Baton's default policy (require_pop_aud absent) the PoP must name the enforcement point.",
    build: (b) => {
      const chain = baseline(b);
      return { chain: [...chain], pop: b.pop(chain[2], { ...READ, omit: ["aat_aud"] }), ...READ };
    },
    verdict: "DENY",
    step: "7d",
    code: "audience_mismatch",
  });
  add({
    id: "B.16.12",
    title: "PoP without aat_aud, audience binding turned off",
    description: "As B.16.11, with policy.require_pop_aud false (an explicit opt-out).",
    build: (b) => {
      const chain = baseline(b);
      return {
        chain: [...chain],
        pop: b.pop(chain[2], { ...READ, omit: ["aat_aud"] }),
        ...READ,
        policy: { require_pop_aud: false },
      };
    },
    verdict: "PERMIT",
    step: null,
    code: "permitted",
  });
  add({
    id: "B.16.13",
    title: "Wrong par_hash and a widened scope: par_hash is checked first",
    description:
      "The child's par_hash names another parent and its tools widen the parent's. The cheap 4q comparison runs before narrowing, so no subsumption work is spent on a spliced child.",
    build: (b) => {
      const r = b.root();
      const c = b.child(r, {
        tools: { read_file: { path: WILD } },
        set: { par_hash: sha256b64u("not the parent") },
      });
      return { chain: [r, c], pop: b.pop(c, READ), ...READ };
    },
    verdict: "DENY",
    step: "4q",
    code: "par_hash_mismatch",
  });
  return out;
}

/** Replaces the signature segment of a sealed token (nothing is re-signed). */

function reSeal(t: Tok, o: { signatureB64: string }): Tok {
  const e = t.entry;
  return {
    ...t,
    entry: {
      ...e,
      signature_b64: o.signatureB64,
      compact: `${e.signing_input}.${o.signatureB64}`,
      signer: `${e.signer} (signature segment base64url-padded)`,
    },
  };
}

/**
 * Builds a token whose compact form is between `target` - 3 and `target` bytes long, by sizing a
 * padding claim (base64url grows in steps of 1 or 2 characters per padding byte).
 */
function padded(target: number, build: (pad: string) => Tok): Tok {
  const attempt = (n: number): Tok => build("a".repeat(n));
  const base = attempt(0).entry.compact.length;
  let n = Math.max(0, Math.floor(((target - base) * 3) / 4));
  let t = attempt(n);
  // Grow until over the floor, then shrink until within the ceiling: length is monotone in n.
  while (t.entry.compact.length < target - 3) t = attempt(++n);
  while (t.entry.compact.length > target) t = attempt(--n);
  return t;
}

// ---------------------------------------------------------------------------------------------
// File

export interface BatonVectorFile {
  spec: string;
  conventions: Obj;
  params: typeof PARAMS;
  keys: Record<string, Obj>;
  trust_anchors: { iss: string; jwk: Obj }[];
  vectors: Vector[];
}

const CONVENTIONS: Obj = {
  header: AAT_HEADER,
  baton_header: BATON_HEADER,
  pop_header: POP_HEADER,
  aat_payload_jcs: true,
  pop_payload_jcs: true,
  hand_made_segments:
    "A few vectors need bytes JCS cannot produce (a duplicate member, 1704067200.0, 1.7040708e9, 9007199254740993, a duplicate header parameter). Their header/payload display field is then the exact signed text as a JSON string. Always consume compact; never re-serialize the display fields.",
  aat_aud:
    "present in every PoP unless a vector says otherwise; when present it must identify the enforcement point (7d); see policy.require_pop_aud for when it is required",
  chain_aud: "every chain token that carries aud must identify the enforcement point (6c)",
  par_hash: "base64url-nopad(SHA-256(parent JWS Signing Input))",
  baton_profile:
    'specs/baton-profile.md. A token carrying any baton_* claim has the header {"alg":"Ed25519","typ":"aat+jwt","crit":["baton"],"baton":1}; a child of a marked token keeps the marker (B1). baton_intent {id, purpose}: set by the root, repeated by every child (B2). baton_approve: tool ids or "prefix*" patterns, a child keeps all of its parent\'s (B3); a call whose tool matches a pattern of any chain token needs a step-up approval (B6). baton_max_uses: positive integer, a child\'s is <= its parent\'s (B4); every limited token of the chain is charged one use per permitted call (B8).',
  path_containment:
    'Baton extension constraint type (AAT -02 §5.3 illustration, not core AAT): {"constraint_type":"path_containment","root":"/abs/path"}; a value must be a clean absolute path (no empty, "." or ".." segment, no backslash, NUL, "%" or C0/C1 control, unchanged by NFKC) equal to root or beneath it by whole segments. A verifier without the extension fails closed on these vectors (unknown constraint type), which is conformant AAT but not Baton.',
  policy: {
    require_pop_aud:
      "true: deny a PoP without aat_aud (7d); false: accept one; absent: Baton's default, which denies a PoP without aat_aud whenever no token of the chain carries aud",
    require_chain_aud: "deny a chain where no token carries aud (6c)",
    nonce: "the one nonce this enforcement point issued; a PoP must carry it (7h)",
    require_intent: "deny chains whose root carries no baton_intent (B2, intent_required)",
    revoked:
      'revocation targets the verifier must treat as revoked: {"kind":"token","id":<jti or "sha256:"+signing_input_sha256_b64u>}, {"kind":"agent","id":<thumbprint URI, matched against each token\'s issuer and cnf.jwk holder>}, {"kind":"intent","id":<baton_intent.id>} (B5)',
    replay_seen:
      "PoP jtis already accepted from this chain's leaf holder within the window; pre-load them into the replay store (7i)",
    usage:
      '{"sha256:<signing_input_sha256_b64u>": used}: calls already counted against a token\'s baton_max_uses; pre-load them (B8)',
    approval: "reserved for step-up approvals; ignored by this revision (no vector presents one)",
  },
  replay:
    "every vector is replayed with a replay store and usage ledger (empty unless the policy pre-loads them); nothing else is tracked",
  pop_absent: "pop.compact null means the presentation has no aat_pop member",
  expected:
    "verdict is normative; step is the draft's §8 step (or Baton profile step B1-B8) and advisory (App. E); code is Baton's decision code (specs/errors.md).",
};

function keyEntry(p: Persona): Obj {
  const jwk = jwkOf(p);
  return {
    seed_hex: p.seedHex,
    public_hex: (b64urlDecode(jwk.x as string) as Buffer).toString("hex"),
    jwk,
    thumbprint: p.key.publicKey.thumbprint,
    thumbprint_uri: p.key.id,
  };
}

/** Builds every vector. Pure and deterministic. */
export function buildBatonVectors(): BatonVectorFile {
  const ids = new Set<string>();
  const vectors = cases().map((c): Vector => {
    if (ids.has(c.id)) throw new Error(`duplicate vector id ${c.id}`);
    ids.add(c.id);
    const b = new Builder(c.id);
    const r = c.build(b);
    return {
      id: c.id,
      title: c.title,
      description: c.description,
      notes: c.notes ?? [],
      cbor_twin: null,
      now: NOW,
      tool: r.tool,
      args: r.args,
      policy: r.policy ?? {},
      chain: r.chain.map((t) => t.entry),
      chain_compact: r.chain.map((t) => t.entry.compact),
      pop: r.pop ?? NULL_POP,
      expected: { verdict: c.verdict, step: c.step, code: c.code },
    };
  });
  return {
    spec: "baton-profile-1 over draft-niyikiza-oauth-attenuating-agent-tokens-02",
    conventions: CONVENTIONS,
    params: PARAMS,
    keys: Object.fromEntries(PERSONAS.map((p) => [p.name, keyEntry(p)])),
    trust_anchors: [{ iss: ISSUER, jwk: jwkOf(principal) }],
    vectors,
  };
}

/** The file's exact text. */
export function renderBatonVectors(): string {
  return `${JSON.stringify(buildBatonVectors(), null, 2)}\n`;
}

function main(argv: readonly string[]): number {
  const text = renderBatonVectors();
  if (argv.includes("--check")) {
    let committed = "";
    try {
      committed = readFileSync(BATON_VECTORS_PATH, "utf8");
    } catch {
      // a missing file differs
    }
    if (committed !== text) {
      process.stderr.write(
        `${BATON_VECTORS_PATH} is out of date: run node --import tsx specs/vectors/generate.ts\n`,
      );
      return 1;
    }
    process.stdout.write(`${BATON_VECTORS_PATH} is up to date\n`);
    return 0;
  }
  writeFileSync(BATON_VECTORS_PATH, text);
  process.stdout.write(`wrote ${buildBatonVectors().vectors.length} vectors to ${BATON_VECTORS_PATH}\n`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
