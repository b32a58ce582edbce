/**
 * `policyCheck`: validates a Cedar policy set against the tool catalog before it is deployed (the
 * CLI's `baton policy check`). It never throws for a bad policy; it lists every problem.
 *
 * Errors (the set would not load, or a policy can never apply as written):
 * - parse errors, templates, duplicate ids, a bad `@approval` annotation;
 * - a `tool_class` compared with a class that does not exist (`read`, `write`, `privileged`, `unknown`);
 * - an action (`Action::"x"`) or resource (`Tool::"x"`) that matches no catalog pattern;
 * - a principal, action or resource of an entity type Baton never sends (`Agent`, `Action`, `Tool`).
 *
 * Warnings: a `context.x` attribute Baton does not provide; a class no catalog pattern assigns;
 * `==` or `!=` on a `context.args.*` value that the policy never uses with a type-strict operator.
 * Arguments are the caller's JSON, and Cedar's `==` between different types is simply false: a
 * `forbid … when { context.args.env == "prod" }` does not fire for `{"env": ["prod"]}`. A type-strict use of the same value
 * (`like`, `<`, `>`, `.contains(…)`, …) raises an evaluation error on the wrong type, and an
 * erroring `forbid` denies (see `cedar.ts`), so its presence counts as the type guard.
 *
 * @example
 * const report = policyCheck("examples/policies", "examples/catalog.json");
 * for (const p of report.problems) console.log(`${p.severity}: ${formatPolicyProblem(p)}`);
 * process.exitCode = report.ok ? 0 : 1;
 */
import type { PolicyJson } from "@cedar-policy/cedar-wasm/nodejs";
import { BatonError } from "../core/errors.ts";
import { EMPTY_CATALOG, loadCatalog, TOOL_CLASSES, type ToolCatalog } from "./catalog.ts";
import { APPROVAL_ANNOTATION } from "./cedar.ts";
import { CONTEXT_ATTRIBUTES } from "./cedar-context.ts";
import { formatProblem, type PolicySource, readPolicies, type SourceProblem } from "./policy-source.ts";

export interface PolicyProblem extends SourceProblem {
  severity: "error" | "warning";
}

export interface PolicyCheckReport {
  /** True when there is no error (warnings allowed). */
  ok: boolean;
  policies: { id: string; effect: "permit" | "forbid"; approval: boolean; source: string; line: number }[];
  problems: PolicyProblem[];
}

const CLASSES = new Set<string>([...TOOL_CLASSES, "unknown"]);
const CONTEXT = new Set<string>(CONTEXT_ATTRIBUTES);

/** Checks `policies` (an object `{id: text}`, a `.cedar` file or a directory) against `catalog`. */
export function policyCheck(policies: PolicySource, catalog?: ToolCatalog | string): PolicyCheckReport {
  const problems: PolicyProblem[] = [];
  let cat: ToolCatalog = EMPTY_CATALOG;
  if (typeof catalog === "string") {
    try {
      cat = loadCatalog(catalog);
    } catch (e) {
      const message = e instanceof BatonError ? e.message : String(e);
      problems.push({ severity: "error", source: `catalog ${catalog}`, message });
    }
  } else if (catalog) cat = catalog;

  const read = readPolicies(policies);
  for (const p of read.problems) problems.push({ severity: "error", ...p });
  const usedClasses = new Set(cat.entries.map((e) => e.class));
  const report: PolicyCheckReport["policies"] = [];

  for (const p of read.policies) {
    const at = { source: p.source, line: p.line, policy: p.id };
    const annotations = p.json.annotations ?? {};
    const approval = Object.hasOwn(annotations, APPROVAL_ANNOTATION);
    if (approval && annotations[APPROVAL_ANNOTATION] !== "required") {
      problems.push({ severity: "error", ...at, message: '@approval must be "required"' });
    }
    if (approval && p.json.effect !== "permit") {
      problems.push({
        severity: "error",
        ...at,
        message: '@approval("required") applies to permit policies only',
      });
    }
    report.push({ id: p.id, effect: p.json.effect, approval, source: p.source, line: p.line });

    for (const e of scopeEntities(p.json)) {
      if (e.type !== e.expected) {
        problems.push({
          severity: "error",
          ...at,
          message: `the ${e.role} is ${e.type}::"${e.id}", but Baton's ${e.role} is always of type ${e.expected}`,
        });
      } else if (e.role !== "principal" && cat.entries.length > 0 && cat.classify(e.id) === "unknown") {
        problems.push({
          severity: "error",
          ...at,
          message: `${e.type}::"${e.id}" matches no catalog pattern (its class would be "unknown")`,
        });
      }
    }
    for (const path of unguardedArgEquality(p.json.conditions)) {
      problems.push({
        severity: "warning",
        ...at,
        message: `context.args.${path} is compared with == or != without a type guard: an argument of another type (e.g. an array ["prod"] instead of "prod") makes the comparison silently false; guard it with a type-strict test of the same value (e.g. context.args.${path} like "prod", which errors on a non-string, and an erroring forbid denies) or constrain the argument in the token`,
      });
    }
    walk(p.json.conditions, (node) => {
      const attr = contextAttr(node);
      if (attr !== null && !CONTEXT.has(attr)) {
        problems.push({
          severity: "warning",
          ...at,
          message: `context.${attr} is not provided by Baton (it has ${CONTEXT_ATTRIBUTES.join(", ")})`,
        });
      }
      for (const cls of comparedClasses(node)) {
        if (!CLASSES.has(cls)) {
          problems.push({
            severity: "error",
            ...at,
            message: `tool_class "${cls}" does not exist (classes: ${[...CLASSES].join(", ")})`,
          });
        } else if (cls !== "unknown" && cat.entries.length > 0 && !usedClasses.has(cls as never)) {
          problems.push({ severity: "warning", ...at, message: `no catalog pattern has class "${cls}"` });
        }
      }
    });
  }
  return { ok: !problems.some((p) => p.severity === "error"), policies: report, problems: dedupe(problems) };
}

/** One line per problem: `policy file x: line 3: policy "p": message`. */
export function formatPolicyProblem(p: PolicyProblem): string {
  return formatProblem(p);
}

interface ScopeEntity {
  role: "principal" | "action" | "resource";
  expected: "Agent" | "Action" | "Tool";
  type: string;
  id: string;
}

function scopeEntities(p: PolicyJson): ScopeEntity[] {
  const out: ScopeEntity[] = [];
  const add = (role: ScopeEntity["role"], expected: ScopeEntity["expected"], e: unknown, inOp = false) => {
    const uid = (e as { __entity?: unknown })?.__entity ?? e;
    const u = uid as { type?: unknown; id?: unknown } | null;
    if (!u || typeof u.type !== "string" || typeof u.id !== "string") return;
    // The principal's parents include the root issuer as Issuer::"<iss>" (cedar-context.ts).
    if (role === "principal" && inOp && u.type === "Issuer") return;
    out.push({ role, expected, type: u.type, id: u.id });
  };
  const scope = (role: "principal" | "resource", expected: "Agent" | "Tool", c: unknown) => {
    const o = c as { op?: string; entity?: unknown; entity_type?: string } | undefined;
    if (!o) return;
    if ((o.op === "==" || o.op === "in") && o.entity !== undefined)
      add(role, expected, o.entity, o.op === "in");
    if (o.op === "is" && typeof o.entity_type === "string" && o.entity_type !== expected) {
      out.push({ role, expected, type: o.entity_type, id: "*" });
    }
  };
  scope("principal", "Agent", p.principal);
  scope("resource", "Tool", p.resource);
  const a = p.action as { op?: string; entity?: unknown; entities?: unknown[] };
  if (a.op === "==" || a.op === "in") {
    if (a.entity !== undefined) add("action", "Action", a.entity);
    for (const e of a.entities ?? []) add("action", "Action", e);
  }
  return out;
}

/** Visits every object node of a policy's condition expressions. */
function walk(v: unknown, visit: (node: Record<string, unknown>) => void): void {
  if (Array.isArray(v)) {
    for (const x of v) walk(x, visit);
  } else if (v !== null && typeof v === "object") {
    visit(v as Record<string, unknown>);
    for (const x of Object.values(v)) walk(x, visit);
  }
}

/** `context.<attr>` → attr, for a `.` node whose left side is the context variable. */
function contextAttr(node: Record<string, unknown>): string | null {
  const dot = node["."] as { left?: { Var?: string }; attr?: string } | undefined;
  return dot?.left?.Var === "context" && typeof dot.attr === "string" ? dot.attr : null;
}

/** `context.args.a.b` → "a.b", for a chain of `.` nodes rooted at `context.args`. */
function argsPath(e: unknown): string | null {
  const names: string[] = [];
  let node = e as Record<string, unknown> | null;
  while (node !== null && typeof node === "object") {
    const dot = node["."] as { left?: unknown; attr?: unknown } | undefined;
    if (!dot || typeof dot.attr !== "string") return null;
    const left = dot.left as { Var?: unknown } | undefined;
    if (left?.Var === "context")
      return dot.attr === "args" && names.length > 0 ? names.reverse().join(".") : null;
    names.push(dot.attr);
    node = dot.left as Record<string, unknown> | null;
  }
  return null;
}

/** Operators that raise a type error on an operand of the wrong type (and so guard it). */
const TYPE_STRICT = [
  "like",
  "<",
  "<=",
  ">",
  ">=",
  "contains",
  "containsAll",
  "containsAny",
  "isEmpty",
  "+",
  "-",
  "*",
];

/** `context.args.*` paths compared by == or != but never used with a type-strict operator. */
function unguardedArgEquality(conditions: unknown): string[] {
  const compared = new Set<string>();
  const guarded = new Set<string>();
  walk(conditions, (node) => {
    for (const op of ["==", "!="]) {
      const b = node[op] as { left?: unknown; right?: unknown } | undefined;
      if (!b || typeof b !== "object") continue;
      for (const side of [b.left, b.right]) {
        const path = argsPath(side);
        if (path !== null) compared.add(path);
      }
    }
    for (const op of TYPE_STRICT) {
      const b = node[op] as { left?: unknown; right?: unknown; arg?: unknown } | undefined;
      if (!b || typeof b !== "object") continue;
      for (const side of [b.left, b.right, b.arg]) {
        const path = argsPath(side);
        if (path !== null) guarded.add(path);
      }
    }
  });
  return [...compared].filter((p) => !guarded.has(p));
}

function isToolClass(e: unknown): boolean {
  return e !== null && typeof e === "object" && contextAttr(e as Record<string, unknown>) === "tool_class";
}

function literal(e: unknown): string[] {
  const v = (e as { Value?: unknown } | null)?.Value;
  if (typeof v === "string") return [v];
  const set = (e as { Set?: unknown[] } | null)?.Set;
  if (Array.isArray(set)) return set.flatMap(literal);
  return [];
}

/** String literals compared with `context.tool_class` by ==, != or a set's `contains`/`in`. */
function comparedClasses(node: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const op of ["==", "!=", "contains", "in"]) {
    const b = node[op] as { left?: unknown; right?: unknown } | undefined;
    if (!b || typeof b !== "object") continue;
    if (isToolClass(b.left)) out.push(...literal(b.right));
    if (isToolClass(b.right)) out.push(...literal(b.left));
  }
  return out;
}

function dedupe(problems: PolicyProblem[]): PolicyProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.severity} ${formatProblem(p)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
