/**
 * How a command is declared: its flags (parsed with `node:util` `parseArgs`, strict), positionals,
 * help text with an example, and `run`. `--help` and `--json` are added to every command.
 */
import { parseArgs } from "node:util";
import type { CliContext } from "./context.ts";
import { oneLine, UsageError } from "./errors.ts";

export interface OptionSpec {
  type: "string" | "boolean";
  /** The placeholder shown in help, e.g. `FILE`. */
  value?: string;
  description: string;
  required?: boolean;
  /** May be given more than once; the values are collected in order. */
  multiple?: boolean;
  short?: string;
}

export interface PositionalSpec {
  name: string;
  description: string;
  required?: boolean;
}

/** Parsed flags and positionals of one invocation. */
export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: readonly string[];
  readonly json: boolean;
}

export interface Command {
  /** As typed: `grant`, `anchor add`, `audit tail`. */
  name: string;
  summary: string;
  /** The synopsis after `baton `. */
  usage: string;
  options: Record<string, OptionSpec>;
  positionals?: PositionalSpec[];
  /** Extra paragraphs for `--help`. */
  details?: string;
  /** One or more example invocations. */
  examples: string[];
  run(args: ParsedArgs, ctx: CliContext): Promise<number>;
}

const COMMON: Record<string, OptionSpec> = {
  json: { type: "boolean", description: "machine-readable JSON output" },
  help: { type: "boolean", short: "h", description: "show this help" },
};

/** Parses argv for `cmd`; unknown flags, missing values and missing required flags are usage errors. */
export function parseCommandArgs(cmd: Command, argv: readonly string[]): ParsedArgs | "help" {
  const options: Record<string, OptionSpec> = { ...cmd.options, ...COMMON };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        Object.entries(options).map(([k, o]) => [
          k,
          { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) },
        ]),
      ),
      allowPositionals: (cmd.positionals?.length ?? 0) > 0,
      strict: true,
    });
  } catch (e) {
    if (argv.includes("--help") || argv.includes("-h")) return "help";
    throw new UsageError(`${oneLine((e as Error).message)} (see: baton ${cmd.name} --help)`);
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (values.help === true) return "help";
  const specs = cmd.positionals ?? [];
  if (parsed.positionals.length > specs.length) {
    throw new UsageError(
      `unexpected argument "${parsed.positionals[specs.length]}" (see: baton ${cmd.name} --help)`,
    );
  }
  specs.forEach((p, i) => {
    if (p.required && parsed.positionals[i] === undefined) {
      throw new UsageError(`missing ${p.name} (see: baton ${cmd.name} --help)`);
    }
  });
  for (const [k, o] of Object.entries(cmd.options)) {
    if (o.required && values[k] === undefined) {
      throw new UsageError(`missing --${k}${o.value ? ` ${o.value}` : ""} (see: baton ${cmd.name} --help)`);
    }
  }
  return { values, positionals: parsed.positionals, json: values.json === true };
}

/** The `--help` text of a command. */
export function helpText(cmd: Command): string {
  const lines = [`baton ${cmd.name} — ${cmd.summary}`, "", `Usage: baton ${cmd.usage}`, ""];
  if (cmd.positionals?.length) {
    lines.push("Arguments:");
    for (const p of cmd.positionals) lines.push(row(p.name, p.description));
    lines.push("");
  }
  lines.push("Options:");
  for (const [k, o] of Object.entries({ ...cmd.options, ...COMMON })) {
    const flag = `${o.short ? `-${o.short}, ` : ""}--${k}${o.value ? ` ${o.value}` : ""}`;
    const notes = [o.required ? "required" : "", o.multiple ? "repeatable" : ""].filter(Boolean).join(", ");
    lines.push(row(flag, notes ? `${o.description} (${notes})` : o.description));
  }
  if (cmd.details) lines.push("", cmd.details.trim());
  lines.push("", cmd.examples.length > 1 ? "Examples:" : "Example:");
  for (const e of cmd.examples) lines.push(`  ${e}`);
  return `${lines.join("\n")}\n`;
}

function row(left: string, right: string): string {
  return left.length >= 26 ? `  ${left}\n  ${" ".repeat(26)}${right}` : `  ${left.padEnd(26)}${right}`;
}

/** A string flag's value (undefined when absent). */
export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === "string" ? v : undefined;
}

/** A required string flag's value; `parseCommandArgs` has already checked presence. */
export function req(args: ParsedArgs, name: string): string {
  const v = str(args, name);
  if (v === undefined) throw new UsageError(`missing --${name}`);
  return v;
}

/** A repeatable flag's values (empty when absent). */
export function list(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  return Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** A non-negative integer flag, e.g. `--max-depth 3`. */
export function int(args: ParsedArgs, name: string, min = 0): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) < min) {
    throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${v}"`);
  }
  return Number(v);
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** A duration: `90s`, `15m`, `2h`, `1d` or plain seconds. Returns seconds (> 0). */
export function parseDuration(text: string, what = "duration"): number {
  const m = /^([0-9]+)([smhd]?)$/.exec(text.trim());
  const n = m ? Number(m[1]) * (UNITS[m[2] || "s"] as number) : Number.NaN;
  if (!m || !Number.isSafeInteger(n) || n <= 0) {
    throw new UsageError(`${what} must look like 90s, 15m, 2h, 1d or a number of seconds, got "${text}"`);
  }
  return n;
}

/** `--now UNIX` when given, else the context's clock. */
export function nowOf(args: ParsedArgs, ctx: CliContext): number {
  return int(args, "now") ?? ctx.now();
}
