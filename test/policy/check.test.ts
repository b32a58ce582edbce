import { describe, expect, it } from "vitest";
import { loadCatalog } from "../../src/policy/catalog.ts";
import { formatPolicyProblem, policyCheck } from "../../src/policy/check.ts";

const CATALOG = "examples/catalog.json";

describe("policyCheck", () => {
  it("passes the example policies against the example catalog", () => {
    const r = policyCheck("examples/policies", CATALOG);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.policies.map((p) => p.id)).toEqual([
      "baseline",
      "privileged-shallow",
      "working-hours",
      "mallory-read-only",
      "privileged-approval",
    ]);
    expect(r.policies.find((p) => p.id === "privileged-approval")).toMatchObject({
      effect: "permit",
      approval: true,
    });
  });

  it("reports a parse error with its line, and keeps checking the other sources", () => {
    const r = policyCheck(
      {
        good: "permit (principal, action, resource);",
        bad: "permit (principal, action, resource)\n  when { context.depth > };",
      },
      CATALOG,
    );
    expect(r.ok).toBe(false);
    expect(r.problems).toHaveLength(1);
    expect(formatPolicyProblem(r.problems[0]!)).toMatch(/^policy bad: line 2: unexpected token/);
    expect(r.policies.map((p) => p.id)).toEqual(["good"]);
  });

  it("reports unknown tool classes, actions and resources outside the catalog, and wrong entity types", () => {
    const r = policyCheck(
      {
        cls: 'forbid (principal, action, resource) when { context.tool_class == "admin" };',
        action: 'forbid (principal, action == Action::"launch_missiles", resource);',
        set: 'forbid (principal, action in [Action::"search_web", Action::"rm_rf"], resource);',
        res: 'forbid (principal, action, resource == Tool::"nope");',
        who: 'forbid (principal == User::"bob", action, resource);',
      },
      CATALOG,
    );
    const lines = r.problems.map((p) => `${p.severity} ${formatPolicyProblem(p)}`);
    expect(r.ok).toBe(false);
    expect(lines).toEqual([
      'error policy cls: line 1: policy "cls": tool_class "admin" does not exist (classes: read, write, privileged, unknown)',
      'error policy action: line 1: policy "action": Action::"launch_missiles" matches no catalog pattern (its class would be "unknown")',
      'error policy set: line 1: policy "set": Action::"rm_rf" matches no catalog pattern (its class would be "unknown")',
      'error policy res: line 1: policy "res": Tool::"nope" matches no catalog pattern (its class would be "unknown")',
      'error policy who: line 1: policy "who": the principal is User::"bob", but Baton\'s principal is always of type Agent',
    ]);
  });

  it("warns about context attributes Baton does not provide and classes no catalog entry has", () => {
    const catalog = loadCatalog(CATALOG);
    const r = policyCheck(
      {
        a: 'forbid (principal, action, resource) when { context.user == "root" };',
        b: 'forbid (principal, action, resource) when { ["privileged", "read"].contains(context.tool_class) };',
      },
      { entries: catalog.entries.filter((e) => e.class !== "privileged"), classify: catalog.classify },
    );
    expect(r.ok).toBe(true);
    expect(r.problems.map((p) => p.message)).toEqual([
      "context.user is not provided by Baton (it has depth, root_issuer, intent, args, time, tool_class, chain)",
      'no catalog pattern has class "privileged"',
    ]);
  });

  it("reports a bad @approval annotation and an unreadable catalog as errors", () => {
    const r = policyCheck(
      { a: '@approval("yes") forbid (principal, action, resource);' },
      "examples/missing.json",
    );
    expect(r.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/^catalog file examples\/missing.json: ENOENT/),
      '@approval must be "required"',
      '@approval("required") applies to permit policies only',
    ]);
  });

  it("warns about == on context.args.* without a type guard (issue 9 item 11)", () => {
    const r = policyCheck(
      {
        bare: 'forbid (principal, action, resource) when { context.args.env == "prod" };',
        nested: 'forbid (principal, action, resource) when { context.args.target.env != "dev" };',
        guarded:
          'forbid (principal, action, resource) when { context.args.env == "prod" || context.args.env like "prod" };',
        other: 'forbid (principal, action, resource) when { context.intent == "x" };',
      },
      CATALOG,
    );
    expect(r.ok).toBe(true);
    const lines = r.problems.map((p) => `${p.severity} ${formatPolicyProblem(p)}`);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^warning policy bare: line 1: policy "bare": context\.args\.env is compared with == or != without a type guard: an argument of another type \(e\.g\. an array \["prod"\]/,
    );
    expect(lines[1]).toMatch(/^warning policy nested: .*context\.args\.target\.env is compared/);
  });

  it('accepts principal in Issuer::"…" (the root issuer is a parent of the caller)', () => {
    const r = policyCheck(
      { iss: 'forbid (principal in Issuer::"https://principal.example", action, resource);' },
      CATALOG,
    );
    expect(r.problems).toEqual([]);
  });
});
