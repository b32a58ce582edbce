/**
 * How strings from outside (tool ids, jtis, issuers, intents, audiences, reasons) are shown in
 * decision messages. Messages reach terminals, log lines and the audit store, so every such string
 * is bounded and escaped here: a caller can neither forge a line (newline), drive a terminal (ESC,
 * C1 CSI), flip text direction (bidi controls) nor make a message grow with its input.
 */

/** Longest rendering of one outside string in a message, in characters, before the ellipsis. */
export const MAX_SHOWN_CHARS = 64;

// C0 and C1 controls, DEL, line/paragraph separators, zero-width characters (U+200B–U+200D), the
// bidi marks (U+061C, U+200E, U+200F),
// overrides and isolates, BOM, and lone surrogates; UNSAFE adds the quote and the backslash (for
// quoted literals).
const LONE = "[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]";
const CTRL =
  "\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u2028\\u2029\\u200b-\\u200f\\u202a-\\u202e\\u2066-\\u2069\\ufeff";
const CONTROLS = new RegExp(`${LONE}|[${CTRL}]`, "g");
const UNSAFE = new RegExp(`${LONE}|[${CTRL}"\\\\]`, "g");

function escapeChar(c: string): string {
  if (c === '"') return '\\"';
  if (c === "\\") return "\\\\";
  if (c === "\n") return "\\n";
  if (c === "\r") return "\\r";
  if (c === "\t") return "\\t";
  return `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, "0")}`;
}

/**
 * The escaped body of `s`, without quotes, cut to `max` characters of input with a trailing `…`.
 * Escaping uses JSON-style `\uXXXX`, so the result is printable ASCII-safe text on one line.
 */
export function escapeText(s: string, max = MAX_SHOWN_CHARS, quotes = true): string {
  const cut = s.length > max;
  // Cut on a code-point boundary: never leave half a surrogate pair behind.
  let head = cut ? s.slice(0, max) : s;
  if (cut && /[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  const body = head.replace(quotes ? UNSAFE : CONTROLS, escapeChar);
  return cut ? `${body}…` : body;
}

/** `s` as a double-quoted, escaped and bounded literal: `"read_file"`, `"aaaa…"`. */
export function quote(s: string, max = MAX_SHOWN_CHARS): string {
  return `"${escapeText(s, max)}"`;
}

/** A value of unknown type, rendered as JSON text, escaped and bounded (for messages only). */
export function showJson(v: unknown, max = 80): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  // JSON text already escapes quotes, backslashes and C0 controls; DEL, C1 and bidi remain.
  return escapeText(s, max, false);
}
