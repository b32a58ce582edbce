/**
 * `path_containment`: a BATON EXTENSION constraint type, not core AAT.
 *
 * AAT -02 §5.3 gives `path_containment` only as an illustrative registration ("It is not defined
 * normatively in this document"). Baton follows its member name and its subsumption shape:
 *
 * - Additional members: `root` (string, required), "An absolute path root."
 * - `check`: the argument "must be equal to `root` or lie beneath `root` after path-segment
 *   normalization".
 * - `subsumes`: true iff "`C_child.root` is `C_parent.root` or lies beneath `C_parent.root`".
 * - Cross-type: a parent `path_containment` subsumes a derived `exact` iff the exact value "is equal
 *   to the parent's `root` or lies beneath it". All other cross-type pairs are invalid, except that a
 *   parent `wildcard` subsumes every type (§5.1).
 *
 * Where Baton deliberately differs: the illustration resolves `.` and `..` and collapses redundant
 * separators before comparing. Baton never normalizes; it refuses any path that would need it. A
 * path is acceptable only if it is "clean": it starts with `/`, every segment is non-empty and is
 * neither `.` nor `..`, and it contains no backslash, NUL byte or `%`. Refusing is strictly more
 * restrictive than normalizing, so the relation stays sound, and it removes the classic traversal
 * and encoding ambiguities (`/data/../etc`, `/data//x`, `%2e%2e`, `\`-separated paths) where the
 * tool's own path resolution could disagree with ours. For the same reason a path that contains a
 * C0/C1 control character, that Unicode NFKC would change (fullwidth `／` and `．`, `‥`, …), or
 * that holds an invisible character (General_Category Cf or Default_Ignorable_Code_Point: zero
 * width space, joiners, soft hyphen, bidi controls, variation selectors, …), is never clean: it
 * does not satisfy the constraint, and a root written so is malformed. Comparison is by exact string segments: no
 * case folding and no Unicode normalization. Containment is by whole segments, so `/data/x` does
 * not contain `/data/xyz`.
 */
import { isWellFormedString } from "./json-value.ts";

// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Characters NFKC keeps but Windows best-fit code-page conversions map to `/` or `\` (fraction,
 * division and big slashes; set minus and reverse solidus operators; yen and won signs, which are
 * the backslash in code pages 932 and 949).
 */
const SEPARATOR_LOOKALIKE = /[\u2044\u2215\u2216\u29f5\u29f8\u29f9\u00a5\u20a9]/;

/**
 * Invisible characters NFKC keeps: every format character (General_Category Cf: soft hyphen, zero
 * width space and joiners, word joiner, the bidi marks, embeddings, overrides and isolates, BOM,
 * tags) and every other default-ignorable code point (combining grapheme joiner, variation
 * selectors, Hangul fillers, …). A tool, a shell or a filesystem layer may drop them, so
 * `/data/..\u200b/etc` could reach it as `/data/../etc`; a person reading the path cannot see them.
 */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;

/** The type name, as in the §5.3 illustration. */
export const PATH_CONTAINMENT = "path_containment";

/** The members `path_containment` defines besides `constraint_type`. */
export const PATH_CONTAINMENT_MEMBERS: readonly string[] = ["root"];

/**
 * Returns null when `p` is a clean absolute path, else the reason it is refused. `/` alone is the
 * filesystem root and is clean; otherwise a trailing `/` is an empty final segment and is refused.
 */
export function pathProblem(p: string): string | null {
  if (!p.startsWith("/")) return "is not an absolute path";
  if (p.includes("\\")) return "contains a backslash";
  if (p.includes("\u0000")) return "contains a NUL byte";
  // C0/C1 controls: a tool may strip or translate them (U+0085 is a line break to some).
  if (CONTROL.test(p)) return "contains a control character";
  // Percent-encoding could smuggle separators or dot segments past a segment check (%2F, %2e%2e),
  // and whether the tool decodes it is unknown, so `%` is refused outright.
  if (p.includes("%")) return "contains a percent sign";
  if (!isWellFormedString(p)) return "contains a lone surrogate";
  // Fullwidth ／ and ．, U+2025 ‥ and friends become "/" and ".." under NFKC or a Windows best-fit
  // conversion; a path that any normalisation would change is refused rather than interpreted.
  if (p.normalize("NFKC") !== p) return "is not in NFKC form (it would need normalising)";
  if (SEPARATOR_LOOKALIKE.test(p)) return "contains a character a code-page conversion may turn into / or \\";
  if (INVISIBLE.test(p)) return "contains an invisible (format or default-ignorable) character";
  if (p === "/") return null;
  for (const segment of p.slice(1).split("/")) {
    if (segment === "") return "contains an empty segment (// or a trailing /)";
    if (segment === "." || segment === "..") return `contains a "${segment}" segment`;
  }
  return null;
}

/**
 * True when clean path `p` equals clean path `root` or lies beneath it by whole segments. Both
 * inputs must already have passed `pathProblem`; with no empty or dot segments, a string prefix that
 * ends on a `/` boundary is exactly a segment prefix.
 */
export function pathWithin(root: string, p: string): boolean {
  if (root === "/") return true;
  return p === root || p.startsWith(`${root}/`);
}

/** The `check` predicate: a string that is a clean absolute path within `root`. */
export function pathContainmentSatisfies(root: string, value: unknown): boolean {
  return typeof value === "string" && pathProblem(value) === null && pathWithin(root, value);
}
