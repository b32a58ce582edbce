/**
 * The one renderer of human output. Colours only when stdout is a TTY and NO_COLOR is unset
 * (`CliContext.color`); `--json` output never comes through here.
 */
import type { Decision } from "../core/index.ts";
import { escapeText } from "../graph/render-escape.ts";
import type { CliContext } from "./context.ts";
import type { InspectedToken, Inspection, Narrowing } from "./inspection.ts";
import { shortIdText } from "./labels.ts";

/**
 * Every string from outside goes through this before it is printed (see `graph/render-escape.ts`):
 * controls, bidi overrides and line separators are spelled out, so one event stays one line.
 */
export const esc = escapeText;

export interface Style {
  bold(t: string): string;
  dim(t: string): string;
  ok(t: string): string;
  bad(t: string): string;
  warn(t: string): string;
  accent(t: string): string;
}

const codes = (open: number, close: number) => (t: string) => `\u001b[${open}m${t}\u001b[${close}m`;

/** ANSI styles when the context allows colour, identity functions otherwise. */
export function style(ctx: Pick<CliContext, "color">): Style {
  if (!ctx.color) {
    const id = (t: string) => t;
    return { bold: id, dim: id, ok: id, bad: id, warn: id, accent: id };
  }
  return {
    bold: codes(1, 22),
    dim: codes(2, 22),
    ok: codes(32, 39),
    bad: codes(31, 39),
    warn: codes(33, 39),
    accent: codes(36, 39),
  };
}

/** `jkt:AbCdEfGh` for a thumbprint URI; other ids (issuer URIs) as they are; escaped for printing. */
export function shortId(id: string): string {
  return escapeText(shortIdText(id));
}

/** `1h 4m`, `14m 58s`, `45s`; negative durations read `expired 3m ago`. */
export function formatSeconds(total: number): string {
  if (total < 0) return `expired ${formatSeconds(-total)} ago`;
  if (total === 0) return "0s";
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const parts = [d ? `${d}d` : "", h ? `${h}h` : "", m ? `${m}m` : "", s ? `${s}s` : ""].filter(Boolean);
  return parts.slice(0, 2).join(" ");
}

/** `(step 4p4, token 1)`, or "" when neither is known. */
export function where(step: string | null, token: number | null): string {
  const parts = [step !== null ? `step ${esc(step)}` : "", token !== null ? `token ${token}` : ""].filter(
    Boolean,
  );
  return parts.length ? ` (${parts.join(", ")})` : "";
}

/** `PERMIT …` or `DENY code (step 4p4, token 1): message`. */
export function renderDecision(d: Decision, ctx: Pick<CliContext, "color">): string {
  const s = style(ctx);
  if (d.allow) {
    const about = [d.intent ? `intent ${esc(d.intent)}` : "", d.holder ? `holder ${shortId(d.holder)}` : ""]
      .filter(Boolean)
      .join(", ");
    return `${s.ok(s.bold("PERMIT"))}${about ? ` (${about})` : ""}: ${esc(d.message)}\n`;
  }
  let out = `${s.bad(s.bold("DENY"))} ${esc(d.code)}${where(d.step, d.token)}: ${esc(d.message)}\n`;
  if (d.detail) out += `${s.dim(`detail: ${esc(JSON.stringify(d.detail))}`)}\n`;
  return out;
}

/** One line of a story (the demo): ✓ or ✗, then the text. */
export function storyLine(ok: boolean, text: string, ctx: Pick<CliContext, "color">): string {
  const s = style(ctx);
  return `${ok ? s.ok("✓") : s.bad("✗")} ${text}\n`;
}

function describeNarrowing(n: Narrowing): string[] {
  const out: string[] = [];
  if (n.toolsRemoved.length) out.push(`tools removed: ${n.toolsRemoved.map(esc).join(", ")}`);
  for (const c of n.constraints) {
    const arg = c.arg === "*" ? "(other arguments)" : esc(c.arg);
    out.push(
      `${esc(c.tool)}.${arg}: ${c.from === null ? "(absent)" : esc(c.from)} → ${c.to === null ? "(not allowed)" : esc(c.to)}`,
    );
  }
  if (n.ttlShortenedBy > 0) out.push(`TTL shortened by ${formatSeconds(n.ttlShortenedBy)}`);
  if (n.maxDepth) out.push(`max depth ${n.maxDepth.from} → ${n.maxDepth.to}`);
  if (n.approvalsAdded.length) out.push(`approvals added: ${n.approvalsAdded.map(esc).join(", ")}`);
  if (n.audience) out.push(`audience ${esc(n.audience.from ?? "(any)")} → ${esc(n.audience.to ?? "(any)")}`);
  if (n.maxUses) out.push(`max uses ${n.maxUses.from ?? "∞"} → ${n.maxUses.to ?? "∞"}`);
  if (out.length === 0) out.push("nothing (same authority as its parent)");
  return out;
}

function statusMark(t: InspectedToken, s: Style): string {
  switch (t.status.state) {
    case "valid":
      return s.ok("✓");
    case "decoded":
      return s.dim("·");
    case "unchecked":
      return s.dim("?");
    default:
      return s.bad("✗");
  }
}

/** The chain as a tree: one block per token, children indented under their parent. */
export function renderInspection(ins: Inspection, ctx: Pick<CliContext, "color">): string {
  const s = style(ctx);
  const lines: string[] = [];
  const head = [
    `${ins.kind === "presentation" ? "presentation" : "chain"} of ${ins.tokens.length} token${ins.tokens.length === 1 ? "" : "s"}`,
  ];
  if (ins.intent) head.push(`intent ${s.bold(esc(ins.intent.id))} — ${esc(ins.intent.purpose)}`);
  lines.push(head.join(" · "));
  lines.push(
    s.dim(
      ins.signaturesChecked
        ? `signatures checked against ${esc(ins.anchorsSource ?? "the trust anchors")} as of ${new Date(ins.now * 1000).toISOString()}`
        : "signatures not checked (pass --trust anchors.json to verify them)",
    ),
  );
  if (ins.failure && ins.failure.token === null) {
    lines.push(
      s.bad(`✗ ${esc(ins.failure.code)}${where(ins.failure.step, null)}: ${esc(ins.failure.message)}`),
    );
  }
  ins.tokens.forEach((t, i) => {
    // Token i hangs under token i-1: its heading is indented by 3 per level, its details align with its name.
    const heading = i === 0 ? "" : `${"   ".repeat(i - 1)} └─`;
    const inner = " ".repeat(heading.length + 4 + String(t.index).length);
    lines.push(
      `${heading}${s.accent(`[${t.index}]`)} ${statusMark(t, s)} ${s.bold(esc(t.issuerName))} → ${s.bold(esc(t.holderName))}`,
    );
    const facts = [
      t.exp === null
        ? ""
        : t.ttlLeft > 0
          ? `TTL ${formatSeconds(t.ttlLeft)} left`
          : s.warn(formatSeconds(t.ttlLeft)),
      t.depth === null ? "" : `depth ${t.depth}/${t.maxDepth}`,
      t.intent && t.intent.id !== ins.intent?.id ? `intent ${esc(t.intent.id)}` : "",
      t.aud ? `aud ${t.aud.map(esc).join(", ")}` : "",
      t.maxUses !== null ? `max uses ${t.maxUses}` : "",
    ].filter(Boolean);
    if (facts.length) lines.push(`${inner}${facts.join(" · ")}`);
    const label = (name: string) => s.dim(name.padEnd(10));
    if (t.jti !== null) {
      lines.push(
        `${inner}${label("tools")}${t.tools === null ? "(none)" : Object.keys(t.tools).map(esc).join(", ") || "(none)"}`,
      );
    }
    if (t.approvals.length) lines.push(`${inner}${label("approvals")}${t.approvals.map(esc).join(", ")}`);
    if (t.narrowing) {
      const [first, ...more] = describeNarrowing(t.narrowing);
      const widened =
        t.widening !== null || (t.status.state === "failed" && t.status.code === "scope_widened");
      lines.push(`${inner}${label(widened ? "changed" : "narrowed")}${first}`);
      for (const m of more) lines.push(`${inner}${" ".repeat(10)}${m}`);
    }
    if (t.widening) lines.push(`${inner}${s.bad(`widens: ${esc(t.widening)}`)}`);
    if (t.status.state === "failed") {
      lines.push(
        `${inner}${s.bad(`✗ ${esc(t.status.code)}${where(t.status.step, null)}: ${esc(t.status.message)}`)}`,
      );
    } else if (t.status.state === "unchecked") {
      lines.push(`${inner}${s.dim("not checked: an earlier token failed")}`);
    }
  });
  if (ins.pop) {
    const p = ins.pop;
    const bits = [`tool ${s.bold(esc(p.tool ?? "?"))}`];
    if (p.aud) bits.push(`aud ${esc(p.aud)}`);
    if (p.iat !== null) {
      const age = ins.now - p.iat;
      bits.push(
        age >= 0 ? `signed ${formatSeconds(age)} ago` : `signed ${formatSeconds(-age)} in the future`,
      );
    }
    if (p.nonce) bits.push("with nonce");
    lines.push(`${s.dim("proof of possession")} ${bits.join(" · ")}`);
  }
  return `${lines.join("\n")}\n`;
}
