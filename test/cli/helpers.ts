/**
 * Runs the REAL `baton` binary (node bin/baton.js) in a child process, as a user or a script would.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";

export const BIN = fileURLToPath(new URL("../../bin/baton.js", import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  /** Written to stdin, which is then closed. */
  input?: string;
  env?: Record<string, string>;
}

/** `baton ARGS…` with stdout/stderr captured; never rejects. */
export function baton(args: string[], o: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: o.cwd,
      env: { ...process.env, NO_COLOR: "1", BATON_DEBUG: "", ...o.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(o.input ?? "");
  });
}

/** A shell pipeline of baton commands (`baton a | baton b`), run by /bin/sh in `cwd`. */
export function pipeline(commands: string[][], o: RunOptions): Promise<RunResult> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const script = commands.map((c) => [process.execPath, BIN, ...c].map(quote).join(" ")).join(" | ");
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", script], {
      cwd: o.cwd,
      env: { ...process.env, NO_COLOR: "1", ...o.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const made: string[] = [];
// Each test file imports this module afresh, so this removes that file's directories (keys included).
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `baton-cli-${prefix}-`));
  made.push(dir);
  return dir;
}

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** A user mistake: exit 2, exactly one line on stderr, and no stack trace. */
export function expectUsageError(r: RunResult): string {
  const lines = r.stderr.trimEnd().split("\n");
  if (r.code !== 2) throw new Error(`expected exit 2, got ${r.code}: ${r.stderr}`);
  if (lines.length !== 1) throw new Error(`expected one stderr line, got ${lines.length}: ${r.stderr}`);
  if (/^\s+at /m.test(r.stderr)) throw new Error(`stack trace on stderr: ${r.stderr}`);
  return lines[0] as string;
}

export const exact = (value: string) => ({ constraint_type: "exact", value });
export const wildcard = { constraint_type: "wildcard" };
export const under = (root: string) => ({ constraint_type: "path_containment", root });
