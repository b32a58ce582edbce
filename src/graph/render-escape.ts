/**
 * The one escaping function for human-readable output (terminal, log lines, DOT and Mermaid
 * labels). Every string that came from outside (tool names, jtis, reasons, intent purposes, agent
 * names, messages that echo them) passes through it before it is printed, so that it can neither
 * drive the terminal (ESC sequences clear the screen, OSC 52 sets the clipboard), nor forge a line
 * (a newline followed by `PERMIT …`), nor reorder what a reader sees (bidi overrides).
 *
 * Escaped: C0 controls (U+0000–U+001F, newline and tab included), DEL, C1 controls
 * (U+0080–U+009F) as `\xNN`; the bidi embeddings, overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069), the bidi marks (U+200E, U+200F, U+061C), the line and paragraph separators
 * (U+2028, U+2029) and lone surrogates as `\u{NNNN}`. Everything else is printed as is.
 * `--json` output does not come through here: JSON has its own escaping.
 *
 * @example
 *   escapeText("read\u001b[2J\nPERMIT") // "read\\x1b[2J\\x0aPERMIT"
 */

/** Whether a code point is printed escaped. */
function unsafe(cp: number): boolean {
  return (
    cp <= 0x1f ||
    (cp >= 0x7f && cp <= 0x9f) ||
    cp === 0x061c ||
    cp === 0x200e ||
    cp === 0x200f ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    (cp >= 0xd800 && cp <= 0xdfff) // a lone surrogate (pairs are read as one code point)
  );
}

function escapeChar(cp: number): string {
  return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, "0")}` : `\\u{${cp.toString(16)}}`;
}

/** `text` with every control, bidi and separator character spelled out (see the module comment). */
export function escapeText(text: string): string {
  if (isPrintable(text)) return text;
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    out += unsafe(cp) ? escapeChar(cp) : ch;
  }
  return out;
}

/** True when `text` would be printed unchanged by {@link escapeText}. */
export function isPrintable(text: string): boolean {
  for (const ch of text) if (unsafe(ch.codePointAt(0) as number)) return false;
  return true;
}

/**
 * A deep copy of `value` with every string (object keys included) passed through
 * {@link escapeText}. The graph renderers apply it to the whole graph first, so that no field,
 * present or future, reaches a terminal or a document unescaped.
 */
export function escapeDeep<T>(value: T): T {
  return walk(value) as T;
}

function walk(v: unknown): unknown {
  if (typeof v === "string") return escapeText(v);
  if (Array.isArray(v)) return v.map(walk);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[escapeText(k)] = walk(x);
    return out;
  }
  return v;
}

/** Longest agent display name accepted from a caller. */
export const MAX_DISPLAY_NAME = 64;

/**
 * A display name a caller may give an agent (`POST /v1/tokens` `holder_name`, `--record`): 1–64
 * characters, nothing {@link escapeText} would escape, no leading or trailing space.
 */
export function isDisplayName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_DISPLAY_NAME && name.trim() === name && isPrintable(name);
}
