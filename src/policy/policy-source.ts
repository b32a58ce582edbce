/**
 * Reading Cedar policy sources: a `.cedar` file, a directory of them, or an object `{id: text}`.
 * Each source is split into single policies, each gets a stable id, and its JSON form is kept so
 * the loader and `policyCheck` can read effects, annotations and scopes without parsing again.
 *
 * Policy ids: an `@id("…")` annotation when present; otherwise the source name (the object key, or
 * the file's base name) when the source holds one policy, and `name#n` (1-based) when it holds more.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { type PolicyJson, policySetTextToParts, policyToJson } from "@cedar-policy/cedar-wasm/nodejs";

/** Where policies come from: `{id: text}`, or a path to a `.cedar` file or a directory of them. */
export type PolicySource = Readonly<Record<string, string>> | string;

export interface SourcePolicy {
  id: string;
  text: string;
  json: PolicyJson;
  /** The file or object key it came from. */
  source: string;
  /** 1-based line of the policy's first line in its source. */
  line: number;
}

export interface SourceProblem {
  source: string;
  line?: number;
  policy?: string;
  message: string;
}

export interface ReadPolicies {
  policies: SourcePolicy[];
  problems: SourceProblem[];
}

interface Unit {
  name: string;
  /** How problems name it: `policy file x` or `policy x`. */
  label: string;
  text: string;
}

/** Reads every policy of `source`; problems are collected, never thrown (except unreadable paths). */
export function readPolicies(source: PolicySource): ReadPolicies {
  const units: Unit[] = [];
  const problems: SourceProblem[] = [];
  if (typeof source === "string") {
    let files: string[];
    try {
      files = statSync(source).isDirectory()
        ? readdirSync(source)
            .filter((f) => f.endsWith(".cedar"))
            .sort()
            .map((f) => join(source, f))
        : [source];
    } catch (e) {
      problems.push({ source: `policy path ${source}`, message: (e as Error).message });
      return { policies: [], problems };
    }
    if (files.length === 0)
      problems.push({ source: `policy directory ${source}`, message: "holds no .cedar file" });
    for (const f of files) {
      try {
        units.push({ name: basename(f), label: `policy file ${f}`, text: readFileSync(f, "utf8") });
      } catch (e) {
        problems.push({ source: `policy file ${f}`, message: (e as Error).message });
      }
    }
  } else {
    for (const [name, text] of Object.entries(source)) {
      if (typeof text !== "string") {
        problems.push({ source: `policy ${name}`, message: "is not Cedar text" });
        continue;
      }
      units.push({ name, label: `policy ${name}`, text });
    }
  }

  const policies: SourcePolicy[] = [];
  const seen = new Map<string, string>();
  for (const u of units) {
    const parts = policySetTextToParts(u.text);
    if (parts.type === "failure") {
      for (const err of parts.errors) {
        const at = err.sourceLocations?.[0];
        const problem: SourceProblem = {
          source: u.label,
          message: `${err.message}${at?.label ? ` (${at.label})` : ""}`,
        };
        if (at) problem.line = lineOf(u.text, at.start);
        problems.push(problem);
      }
      continue;
    }
    if (parts.policy_templates.length > 0) {
      problems.push({
        source: u.label,
        message: "policy templates are not supported; write static policies",
      });
    }
    if (parts.policies.length === 0) problems.push({ source: u.label, message: "holds no policy" });
    let cursor = 0;
    parts.policies.forEach((text, i) => {
      const json = policyToJson(text);
      // The parts are re-rendered, not sliced, so locate them by their first token for a line number.
      const line = locate(u.text, text, cursor);
      cursor = line.offset;
      if (json.type === "failure") {
        problems.push({
          source: u.label,
          line: line.line,
          message: json.errors[0]?.message ?? "unparsable policy",
        });
        return;
      }
      const annotated = json.json.annotations?.id;
      const id =
        typeof annotated === "string" && annotated.length > 0
          ? annotated
          : parts.policies.length === 1
            ? u.name
            : `${u.name}#${i + 1}`;
      const prev = seen.get(id);
      if (prev !== undefined) {
        problems.push({
          source: u.label,
          line: line.line,
          policy: id,
          message: `policy id "${id}" is also used in ${prev}`,
        });
        return;
      }
      seen.set(id, u.label);
      policies.push({ id, text, json: json.json, source: u.label, line: line.line });
    });
  }
  return { policies, problems };
}

/** Formats a problem the way start-up errors and `baton policy check` print it. */
export function formatProblem(p: SourceProblem): string {
  return `${p.source}${p.line !== undefined ? `: line ${p.line}` : ""}${p.policy !== undefined ? `: policy "${p.policy}"` : ""}: ${p.message}`;
}

/** 1-based line of a UTF-8 byte offset (Cedar reports byte offsets). */
function lineOf(text: string, byteOffset: number): number {
  const prefix = Buffer.from(text, "utf8").subarray(0, byteOffset).toString("utf8");
  return prefix.split("\n").length;
}

/** Best-effort line of a policy within its source: the first occurrence of its effect keyword. */
function locate(text: string, policy: string, from: number): { line: number; offset: number } {
  const head = /^(?:\s*@[^\n]*\n)*\s*(permit|forbid)/.exec(policy);
  const firstAnnotation = /^\s*(@\w+)/.exec(policy)?.[1];
  const needle = firstAnnotation ?? head?.[1] ?? policy.slice(0, 6);
  const at = text.indexOf(needle, from);
  const offset = at === -1 ? from : at;
  return { line: text.slice(0, offset).split("\n").length, offset: offset + needle.length };
}
