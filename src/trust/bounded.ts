/**
 * Bounds on what the audit log keeps from outside input. The log is permanent and append-only, so
 * anything an unauthenticated caller can put into it must be small: strings are escaped (no
 * control, bidi or line-separator character is stored raw) and cut to a fixed length, and a token
 * that did not verify is kept as the hash of its signing input plus a short, escaped hint of its
 * claimed jti, never verbatim.
 */
import { sha256b64u } from "../core/encoding.ts";

/** Longest message stored in an audit event. */
export const MAX_AUDIT_MESSAGE = 512;
/** Longest claimed (unverified) id stored in an audit event: a hint for people, not a key. */
export const MAX_CLAIMED_ID = 64;
/** Longest tool name, jti or other single name stored in an audit event. */
export const MAX_AUDIT_NAME = 256;

// C0, DEL, C1, the bidi controls and marks, and the Unicode line and paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters to escape
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\\]/g;

/** `s` with every unsafe character as a `\uXXXX` escape (and `\` as `\\`), so it prints as one line. */
export function escapeText(s: string): string {
  return s.replace(UNSAFE, (c) =>
    c === "\\" ? "\\\\" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * `s` escaped and cut to at most `max` characters; a cut string ends with `…[+N]`, N being how
 * many characters of the escaped text were dropped.
 *
 * @example boundText("a".repeat(600), 512) // 512 characters, ending "…[+97]"
 */
export function boundText(s: string, max: number): string {
  const e = escapeText(s);
  if (e.length <= max) return e;
  // The suffix is at most 2 + digits of e.length characters.
  const room = max - (String(e.length).length + 4);
  let head = e.slice(0, Math.max(room, 0));
  // Never end on half a surrogate pair.
  const last = head.charCodeAt(head.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) head = head.slice(0, -1);
  return `${head}…[+${e.length - head.length}]`;
}

/** `sha256:<b64url>` of a compact JWS's signing input (the registry's token hash), whatever it holds. */
export function compactHash(compact: string): string {
  const dot = compact.lastIndexOf(".");
  return `sha256:${sha256b64u(dot >= 0 ? compact.slice(0, dot) : compact)}`;
}
