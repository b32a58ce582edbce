/**
 * The CLI's one error type for user mistakes. `main` prints its message as a single line on stderr
 * and exits 2; anything else that escapes a command is unexpected and is reported as such.
 */

/** A mistake the user can fix (a missing flag, an unreadable file, a refused derivation): exit 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  /** Exit code: 2 for bad input. */
  readonly exitCode: number = 2;
}

/** A command that this build cannot run (a module it needs is missing): exit 2, one line. */
export class NotAvailableError extends UsageError {}

/** Collapses a multi-line message (e.g. from `parseArgs`) into one line. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, " ").trim();
}
