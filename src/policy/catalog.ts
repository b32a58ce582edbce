/**
 * The tool catalog: which class of tool (`read`, `write`, `privileged`) a tool id belongs to, so
 * request-time policies can speak about classes instead of listing every tool.
 *
 * ```json
 * {"tools": [{"pattern": "search_*", "class": "read"}, {"pattern": "deploy*", "class": "privileged"}]}
 * ```
 *
 * A pattern is an exact tool id or a prefix followed by one trailing `*` (the same syntax as
 * `baton_approve`). An exact pattern wins over prefixes; among prefixes the longest wins; a tool no
 * pattern matches is `unknown`.
 *
 * @example
 * const catalog = loadCatalog("examples/catalog.json");
 * classify(catalog, "deploy_prod"); // "privileged"
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { BatonError } from "../core/errors.ts";

/** Classes a catalog may assign. */
export const TOOL_CLASSES = ["read", "write", "privileged"] as const;
export type ToolClass = (typeof TOOL_CLASSES)[number];
/** What `classify` returns: a catalog class, or `unknown` when no pattern matches. */
export type ToolClassOrUnknown = ToolClass | "unknown";

const patternSchema = z
  .string()
  .min(1)
  .max(256)
  .refine((p) => p.indexOf("*") === -1 || p.indexOf("*") === p.length - 1, {
    message: 'a pattern is a tool id or "prefix*" (one trailing "*")',
  });

export const catalogSchema = z
  .object({
    tools: z.array(z.object({ pattern: patternSchema, class: z.enum(TOOL_CLASSES) }).strict()),
  })
  .strict();

export type CatalogEntry = z.infer<typeof catalogSchema>["tools"][number];

/** A validated catalog, ready to classify tool ids. */
export interface ToolCatalog {
  readonly entries: readonly CatalogEntry[];
  classify(tool: string): ToolClassOrUnknown;
}

/** Validates catalog JSON (already parsed). Throws `invalid_config` naming the bad member. */
export function parseCatalog(value: unknown, source = "catalog"): ToolCatalog {
  const r = catalogSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
    throw new BatonError("invalid_config", `${source}${where}: ${issue?.message ?? "invalid"}`);
  }
  const exact = new Map<string, ToolClass>();
  const prefixes: { prefix: string; cls: ToolClass }[] = [];
  for (const e of r.data.tools) {
    if (e.pattern.endsWith("*")) {
      const prefix = e.pattern.slice(0, -1);
      const dup = prefixes.find((p) => p.prefix === prefix);
      if (dup && dup.cls !== e.class) {
        throw new BatonError("invalid_config", `${source}: pattern "${e.pattern}" is given two classes`);
      }
      if (!dup) prefixes.push({ prefix, cls: e.class });
    } else {
      const prev = exact.get(e.pattern);
      if (prev !== undefined && prev !== e.class) {
        throw new BatonError("invalid_config", `${source}: tool "${e.pattern}" is given two classes`);
      }
      exact.set(e.pattern, e.class);
    }
  }
  prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  const entries = Object.freeze(r.data.tools.map((t) => Object.freeze({ ...t })));
  return {
    entries,
    classify(tool) {
      const hit = exact.get(tool);
      if (hit !== undefined) return hit;
      for (const p of prefixes) if (tool.startsWith(p.prefix)) return p.cls;
      return "unknown";
    },
  };
}

/** Reads and validates a catalog file. Throws `invalid_config` with the file name and the reason. */
export function loadCatalog(path: string): ToolCatalog {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new BatonError("invalid_config", `catalog file ${path}: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new BatonError("invalid_config", `catalog file ${path}: ${(e as Error).message}`);
  }
  return parseCatalog(value, `catalog file ${path}`);
}

/** The class of `tool` under `catalog` (`unknown` without a catalog or a matching pattern). */
export function classify(catalog: ToolCatalog | undefined, tool: string): ToolClassOrUnknown {
  return catalog ? catalog.classify(tool) : "unknown";
}

/** An empty catalog: every tool is `unknown`. */
export const EMPTY_CATALOG: ToolCatalog = parseCatalog({ tools: [] });
