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

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]/gu;

function escapeChar(c: string): string {
  const cp = c.codePointAt(0) as number;
  return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, "0")}` : `\\u{${cp.toString(16)}}`;
}

/** `text` with every control, bidi and separator character spelled out (see the module comment). */
export function escapeText(text: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(text) ? text.replace(UNSAFE, escapeChar) : text;
}

/** True when `text` would be printed unchanged by {@link escapeText}. */
export function isPrintable(text: string): boolean {
  UNSAFE.lastIndex = 0;
  return !UNSAFE.test(text);
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
