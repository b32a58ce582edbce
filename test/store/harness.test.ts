import { afterEach, describe, expect, it } from "vitest";
import { probePostgres } from "./harness.ts";

describe("PostgreSQL test gate", () => {
  const ci = process.env.CI;
  afterEach(() => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
  });

  it("fails loudly with CI=true when PostgreSQL is unreachable, instead of skipping", async () => {
    process.env.CI = "true";
    await expect(probePostgres("postgres://postgres@127.0.0.1:1/test")).rejects.toThrow(/CI=true/);
  });

  it("allows a skip outside CI", async () => {
    process.env.CI = "false";
    expect(await probePostgres("postgres://postgres@127.0.0.1:1/test")).toBe(false);
  });
});
