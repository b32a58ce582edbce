/**
 * Reading and writing for commands: a path or `-` (stdin) for every input, strict JSON (duplicate
 * members and inadmissible numbers refused) validated by a zod schema, and output to a file or stdout.
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { link, lstat, open, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { z } from "zod";
import { type JsonValue, parseStrictJson } from "../core/index.ts";
import type { CliContext } from "./context.ts";
import { UsageError } from "./errors.ts";

/** Reads a file, or stdin for `-`. `what` names the input in errors ("chain file"). */
export async function readSource(ctx: CliContext, source: string, what: string): Promise<string> {
  if (source === "-") {
    try {
      return await ctx.readStdin();
    } catch {
      throw new UsageError(`${what}: stdin can be read only once per command`);
    }
  }
  try {
    return await readFile(source, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${source}: ${fsReason(e)}`);
  }
}

/** Strict JSON text → value, or a usage error naming the input. */
export function parseJsonText(text: string, what: string): JsonValue {
  if (text.trim() === "") throw new UsageError(`${what}: empty input, expected JSON`);
  const r = parseStrictJson(text);
  if (!r.ok) throw new UsageError(`${what}: ${r.message}`);
  return r.value;
}

/** Checks a parsed value against a schema; the first problem becomes a one-line usage error. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.map(String).join(".")}` : "";
  throw new UsageError(`${what}: ${issue?.message ?? "invalid"}${where}`);
}

/** Reads, strictly parses and validates a JSON input (path or `-`). */
export async function readJson<S extends z.ZodType>(
  ctx: CliContext,
  source: string,
  schema: S,
  what: string,
): Promise<z.output<S>> {
  const text = await readSource(ctx, source, what);
  return validate(schema, parseJsonText(text, `${what} ${source}`), `${what} ${source}`);
}

/** A JSON flag value: inline JSON, or `@FILE` / `@-` to read it. */
export async function readJsonArg<S extends z.ZodType>(
  ctx: CliContext,
  flagValue: string,
  schema: S,
  what: string,
): Promise<z.output<S>> {
  if (flagValue.startsWith("@")) return readJson(ctx, flagValue.slice(1), schema, what);
  return validate(schema, parseJsonText(flagValue, what), what);
}

/** Writes `text` to `out`, or to stdout when `out` is undefined or `-`. */
export async function writeOutput(ctx: CliContext, out: string | undefined, text: string): Promise<void> {
  if (out === undefined || out === "-") {
    ctx.stdout.write(text);
    return;
  }
  try {
    await writeFile(out, text, "utf8");
  } catch (e) {
    throw new UsageError(`cannot write ${out}: ${fsReason(e)}`);
  }
}

/**
 * Writes a secret (a private key) with mode 0600, never through a symlink: `path` must not be a
 * symlink (checked with lstat), and the text goes to a fresh temporary file in the same directory
 * (O_EXCL, mode 0600) that then replaces `path` by rename (`force`) or is linked there only if
 * nothing exists yet. Either way a symlink planted at `path` is never followed, and a reader never
 * sees a half-written key. Refuses to replace an existing file unless `force`.
 */
export async function writeSecret(path: string, text: string, force: boolean): Promise<void> {
  const existing = await lstat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return null;
    throw new UsageError(`cannot write ${path}: ${fsReason(e)}`);
  });
  if (existing?.isSymbolicLink()) {
    throw new UsageError(`${path} is a symbolic link; refusing to write a private key through it`);
  }
  if (existing && !existing.isFile()) throw new UsageError(`${path} exists and is not a regular file`);
  if (existing && !force) throw new UsageError(`${path} already exists; pass --force to overwrite it`);
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (e) {
    throw new UsageError(`cannot write ${path}: ${fsReason(e)}`);
  }
  try {
    try {
      await handle.chmod(0o600); // whatever the umask
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (force) {
      await rename(tmp, path);
    } else {
      // link() fails with EEXIST instead of replacing: a file created meanwhile is not clobbered.
      await link(tmp, path);
      await unlink(tmp);
    }
  } catch (e) {
    await unlink(tmp).catch(() => {});
    if ((e as NodeJS.ErrnoException).code === "EEXIST") {
      throw new UsageError(`${path} already exists; pass --force to overwrite it`);
    }
    throw new UsageError(`cannot write ${path}: ${fsReason(e)}`);
  }
}

/**
 * Reads a file that holds (or may hold) a private key, and the permission bits of the file it read
 * (null for stdin). Read through one open handle, so the mode is that of the bytes returned.
 */
export async function readKeySource(
  ctx: CliContext,
  source: string,
  what: string,
): Promise<{ text: string; mode: number | null }> {
  if (source === "-") return { text: await readSource(ctx, source, what), mode: null };
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(source, "r");
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${source}: ${fsReason(e)}`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) {
      throw new UsageError(
        `cannot read ${what} ${source}: ${st.isDirectory() ? "is a directory" : "not a regular file"}`,
      );
    }
    return { text: await handle.readFile("utf8"), mode: st.mode & 0o777 };
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${what} ${source}: ${fsReason(e)}`);
  } finally {
    await handle.close();
  }
}

/**
 * Refuses a private key file that its group or others may read or write, as OpenSSH does: such a
 * key may already be someone else's.
 */
export function checkPrivateKeyMode(source: string, mode: number | null): void {
  if (mode === null || process.platform === "win32") return;
  if ((mode & 0o077) !== 0) {
    throw new UsageError(
      `private key file ${source} is accessible by group or others (mode ${mode.toString(8).padStart(4, "0")}); run: chmod 600 ${source}`,
    );
  }
}

/** Pretty JSON with a trailing newline: the format of every file the CLI writes. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
    case "ENOTDIR":
      return "a parent is not a directory";
    default:
      return code ?? (e as Error).message;
  }
}

/** One line of compact JSON: the format of every `--json` result. */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
