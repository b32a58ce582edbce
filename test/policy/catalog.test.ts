import { describe, expect, it } from "vitest";
import { BatonError } from "../../src/core/errors.ts";
import { classify, loadCatalog, parseCatalog } from "../../src/policy/catalog.ts";

describe("tool catalog", () => {
  it("classifies the example catalog's tools, exact ids before prefixes, longest prefix first", () => {
    const c = loadCatalog("examples/catalog.json");
    expect(c.classify("search_web")).toBe("read");
    expect(c.classify("write_file")).toBe("write");
    expect(c.classify("deploy")).toBe("privileged");
    expect(c.classify("deploy_prod")).toBe("privileged");
    expect(c.classify("github.merge_pr")).toBe("privileged");
    expect(c.classify("write_file2")).toBe("unknown");
    const layered = parseCatalog({
      tools: [
        { pattern: "db.*", class: "write" },
        { pattern: "db.read_*", class: "read" },
        { pattern: "db.read_secrets", class: "privileged" },
      ],
    });
    expect(layered.classify("db.drop")).toBe("write");
    expect(layered.classify("db.read_rows")).toBe("read");
    expect(layered.classify("db.read_secrets")).toBe("privileged");
    expect(classify(undefined, "anything")).toBe("unknown");
  });

  it("refuses a malformed catalog with invalid_config naming the member", () => {
    const bad = (v: unknown) => () => parseCatalog(v, "catalog x.json");
    expect(bad({ tools: [{ pattern: "a", class: "admin" }] })).toThrow(/catalog x.json at tools.0.class/);
    expect(bad({ tools: [{ pattern: "a*b", class: "read" }] })).toThrow(/one trailing "\*"/);
    expect(bad({ tools: [], extra: 1 })).toThrow(BatonError);
    expect(
      bad({
        tools: [
          { pattern: "a", class: "read" },
          { pattern: "a", class: "write" },
        ],
      }),
    ).toThrow(/given two classes/);
    expect(() => loadCatalog("examples/none.json")).toThrow(/catalog file examples\/none.json/);
  });
});
