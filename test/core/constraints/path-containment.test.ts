import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkInvocation, narrowsTools, satisfies, subsumes } from "../../../src/core/constraints/index.ts";
import { pathProblem, pathWithin } from "../../../src/core/constraints/path-containment.ts";
import { ex, pc, WILD } from "./builders.ts";

// path_containment is a Baton extension (AAT -02 §5.3 illustration), not core AAT.

describe("path_containment: check", () => {
  const c = pc("/data/reports");
  it("accepts the root itself and paths beneath it", () => {
    for (const v of [
      "/data/reports",
      "/data/reports/q3.pdf",
      "/data/reports/2024/q3.pdf",
      "/data/reports/.hidden",
      "/data/reports/a..b",
    ]) {
      expect(satisfies(c, v), v).toBe(true);
    }
  });
  it("contains by whole segments, not by string prefix", () => {
    expect(satisfies(pc("/data/x"), "/data/xyz")).toBe(false);
    expect(satisfies(pc("/data/x"), "/data/x-y")).toBe(false);
    expect(satisfies(c, "/data/reportsX/a")).toBe(false);
    expect(satisfies(c, "/data")).toBe(false);
    expect(satisfies(c, "/etc/passwd")).toBe(false);
  });
  it("refuses every value shape that would need normalization or decoding", () => {
    const refused = [
      "/data/reports/../secrets",
      "/data/reports/..",
      "/data/reports/./q3.pdf",
      "/data/reports/.",
      "/data/reports//q3.pdf",
      "/data/reports/",
      "//data/reports/q3.pdf",
      "/data/reports\\q3.pdf",
      "/data/reports/q3.pdf\u0000.txt",
      "/data/reports/%2e%2e/secrets",
      "/data/reports/q3%20.pdf",
      "/data/reports/%",
      "data/reports/q3.pdf",
      "./data/reports",
      "",
      "/data/reports/\ud800",
    ];
    for (const v of refused) expect(satisfies(c, v), JSON.stringify(v)).toBe(false);
  });
  it("accepts only strings", () => {
    for (const v of [null, 1, true, ["/data/reports/a"], { path: "/data/reports/a" }])
      expect(satisfies(c, v)).toBe(false);
  });
  it("root / contains every clean absolute path", () => {
    expect(satisfies(pc("/"), "/")).toBe(true);
    expect(satisfies(pc("/"), "/etc/passwd")).toBe(true);
    expect(satisfies(pc("/"), "/etc/../x")).toBe(false);
    expect(satisfies(pc("/"), "relative")).toBe(false);
  });
  it("is case- and Unicode-exact", () => {
    expect(satisfies(pc("/Data"), "/data/x")).toBe(false);
    expect(satisfies(pc("/caf\u00e9"), "/cafe\u0301/x")).toBe(false);
  });
});

describe("path_containment: helpers", () => {
  it("pathProblem explains each refusal", () => {
    expect(pathProblem("/a/b")).toBeNull();
    expect(pathProblem("/")).toBeNull();
    expect(pathProblem("a")).toMatch(/not an absolute path/);
    expect(pathProblem("/a\\b")).toMatch(/backslash/);
    expect(pathProblem("/a\u0000")).toMatch(/NUL/);
    expect(pathProblem("/a%41")).toMatch(/percent/);
    expect(pathProblem("/a//b")).toMatch(/empty segment/);
    expect(pathProblem("/a/")).toMatch(/empty segment/);
    expect(pathProblem("/a/./b")).toMatch(/"\." segment/);
    expect(pathProblem("/a/../b")).toMatch(/"\.\." segment/);
  });
  it("pathWithin compares segments", () => {
    expect(pathWithin("/a", "/a")).toBe(true);
    expect(pathWithin("/a", "/a/b")).toBe(true);
    expect(pathWithin("/a", "/ab")).toBe(false);
    expect(pathWithin("/a/b", "/a")).toBe(false);
    expect(pathWithin("/", "/x")).toBe(true);
  });
});

describe("path_containment: subsumption and maps", () => {
  it("narrows to a deeper root or an exact path beneath it", () => {
    expect(subsumes(pc("/data"), pc("/data/reports"))).toBeNull();
    expect(subsumes(pc("/data"), ex("/data/reports/q3.pdf"))).toBeNull();
    expect(subsumes(pc("/data/x"), pc("/data/xyz"))).toMatch(/not within/);
    expect(subsumes(pc("/data"), ex("/data//x"))).not.toBeNull();
    expect(subsumes(WILD, pc("/anything"))).toBeNull();
    expect(subsumes(pc("/data"), WILD)).not.toBeNull();
  });
  it("works end to end through narrowsTools and checkInvocation", () => {
    const parent = { read_file: { path: pc("/data") } };
    const child = { read_file: { path: pc("/data/reports") } };
    expect(narrowsTools(parent, child)).toBeNull();
    expect(narrowsTools(child, parent)?.step).toBe("4p4");
    expect(checkInvocation(child, "read_file", { path: "/data/reports/q3.pdf" })).toBeNull();
    expect(checkInvocation(child, "read_file", { path: "/data/reports/../../etc/passwd" })?.code).toBe(
      "args_rejected",
    );
  });
});

describe("path_containment: nothing that normalisation or a code page would change (issue 9, item 12)", () => {
  const c = pc("/data");
  const lookalikes = [
    "/data\uff0f..\uff0fetc\uff0fpasswd", // fullwidth solidus
    "/data/\uff0e\uff0e/etc/passwd", // fullwidth full stops
    "/data/\u2025/etc/passwd", // two-dot leader
    "/data/\ufe52\ufe52/etc", // small full stops
    "/data/\ufe68etc", // small reverse solidus
    "/data/r\u00e9sume\u0301.pdf", // decomposed accent
    "/data/a\u2215b", // division slash (best-fit maps it to /)
    "/data/\u00a5etc", // yen sign (the backslash of code page 932)
  ];
  const controls = ["/data/a\u0001b", "/data/a\u001bb", "/data/a\u007fb", "/data/a\u0085b", "/data/a\u009bb"];
  it("never satisfies a value whose NFKC form differs from itself", () => {
    for (const v of lookalikes) expect(satisfies(c, v), JSON.stringify(v)).toBe(false);
  });
  it("never satisfies a value with a C0 or C1 control character", () => {
    for (const v of controls) expect(satisfies(c, v), JSON.stringify(v)).toBe(false);
  });
  it("accepts a path already in NFKC form with non-ASCII letters", () => {
    expect(satisfies(c, "/data/r\u00e9sum\u00e9.pdf")).toBe(true);
    expect(pathProblem("/data/\u65e5\u672c")).toBeNull();
  });
  it("refuses such a root as malformed, and an exact child with such a value", () => {
    for (const v of [...lookalikes, ...controls]) {
      expect(pathProblem(v), JSON.stringify(v)).not.toBeNull();
      expect(checkInvocation({ t: { p: pc(v) } }, "t", { p: "/data" })?.code).toBe("args_rejected");
      expect(subsumes(c, ex(v))).not.toBeNull();
    }
  });
  it("holds for any string that NFKC changes or that carries a control (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-composite", maxLength: 12 }), (s) => {
        const v = `/data/${s}`;
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them.
        const dirty = v.normalize("NFKC") !== v || /[\u0000-\u001f\u007f-\u009f]/.test(v);
        if (dirty) expect(satisfies(c, v)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("path_containment: no invisible character (review finding 7)", () => {
  const c = pc("/data");
  // Every character the review found accepted, and the rest of the bidi controls: each is in
  // General_Category Cf or Default_Ignorable_Code_Point, which NFKC keeps and a reader cannot see.
  const invisible: [string, string][] = [
    ["\u200b", "zero width space"],
    ["\u200c", "zero width non-joiner"],
    ["\u200d", "zero width joiner"],
    ["\u00ad", "soft hyphen"],
    ["\u034f", "combining grapheme joiner"],
    ["\ufe0f", "variation selector 16"],
    ["\u2060", "word joiner"],
    ["\ufeff", "zero width no-break space (BOM)"],
    ["\u061c", "Arabic letter mark"],
    ["\u200e", "left-to-right mark"],
    ["\u200f", "right-to-left mark"],
    ["\u202a", "left-to-right embedding"],
    ["\u202b", "right-to-left embedding"],
    ["\u202c", "pop directional formatting"],
    ["\u202d", "left-to-right override"],
    ["\u202e", "right-to-left override"],
    ["\u2066", "left-to-right isolate"],
    ["\u2067", "right-to-left isolate"],
    ["\u2068", "first strong isolate"],
    ["\u2069", "pop directional isolate"],
    ["\u115f", "Hangul choseong filler"],
    ["\u{e0041}", "tag latin capital letter A"],
    ["\u{e0100}", "variation selector 17"],
  ];
  const cases = invisible.map(([ch, name]) => [
    (ch.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, "0"),
    name,
    ch,
  ]);
  it.each(cases)("never satisfies a value with U+%s (%s)", (_hex, _name, ch) => {
    for (const v of [`/data/..${ch}/etc`, `/data/.${ch}./etc`, `/data/${ch}..`, `/data/x${ch}`]) {
      expect(satisfies(c, v), JSON.stringify(v)).toBe(false);
      expect(pathProblem(v), JSON.stringify(v)).not.toBeNull();
    }
    expect(checkInvocation({ t: { p: pc(`/data${ch}`) } }, "t", { p: "/data" })?.code).toBe("args_rejected");
    expect(subsumes(c, ex(`/data/x${ch}`))).not.toBeNull();
  });
  it("names the reason", () => {
    expect(pathProblem("/data/..\u200b/etc")).toBe(
      "contains an invisible (format or default-ignorable) character",
    );
  });
  it("holds for any string with a format or default-ignorable character (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-composite", maxLength: 12 }), (s) => {
        const v = `/data/${s}`;
        if (/[\p{Cf}\p{Default_Ignorable_Code_Point}]/u.test(v)) expect(satisfies(c, v)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});
