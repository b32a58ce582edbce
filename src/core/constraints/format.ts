/**
 * Rendering of names and locations in messages and `Problem.path`.
 *
 * Tool ids and argument names come from tokens and invocations, i.e. from untrusted parties, and end
 * up in logs and audit records. Names that are plain printable ASCII are shown as is so messages stay
 * readable (`tool read_file: argument path ...`); anything else is shown as an escaped string literal
 * (see `display.ts`), so control characters, spaces or look-alike text cannot forge or split a log
 * line. Every name is bounded: a long one is cut with an ellipsis.
 */

import { MAX_SHOWN_CHARS, quote } from "../display.ts";

const PLAIN_NAME = /^[\x21-\x7e]+$/;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A tool id or argument name as shown in a message. */
export function label(name: string): string {
  return PLAIN_NAME.test(name) && !name.includes('"') && name.length <= MAX_SHOWN_CHARS ? name : quote(name);
}

/** The path step for an object member: `.name` for identifiers, `["name"]` otherwise. */
export function memberStep(name: string): string {
  return IDENTIFIER.test(name) && name.length <= MAX_SHOWN_CHARS ? `.${name}` : `[${quote(name)}]`;
}

/** The path of a tool's constraint map inside the `tools` object. */
export function toolPath(tool: string): string {
  return `tools[${quote(tool)}]`;
}

/** The message prefix naming a tool, and an argument when there is one. */
export function subject(tool: string, arg?: string): string {
  return arg === undefined ? `tool ${label(tool)}` : `tool ${label(tool)}: argument ${label(arg)}`;
}
