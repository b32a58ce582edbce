/**
 * The inspector in a real browser: Debian's chromium driven by playwright-core against a real
 * server on 127.0.0.1 with the graph routes mounted on a seeded store. Without /usr/bin/chromium
 * the suite is skipped locally and FAILS on CI (CI=true), where .ci/run installs it.
 *
 * Page scripts are passed as strings: the test transform may rename functions, and such helpers
 * do not exist in the page.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { derive } from "../../src/core/index.ts";
import { tokenInputOf } from "../../src/graph/record-token.ts";
import { MemoryStore } from "../../src/store/memory.ts";
import { graphApp } from "./app.ts";
import {
  INTENT,
  LARGE_INTENT,
  mallory,
  orchestrator,
  type Scenario,
  seedLargeIntent,
  seedScenario,
} from "./scenario.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const ARTIFACTS = join(process.cwd(), "test-artifacts");
const haveChromium = existsSync(CHROMIUM);

if (!haveChromium && process.env.CI === "true") {
  describe("the graph inspector in a browser", () => {
    it("needs Debian's chromium at /usr/bin/chromium", () => {
      throw new Error(
        `${CHROMIUM} is missing on CI: .ci/run installs it when .ci/needs-chromium exists (apt-get install chromium)`,
      );
    });
  });
} else if (!haveChromium) {
  console.warn(
    `[graph ui] skipping the browser test: ${CHROMIUM} not found (apt-get install chromium to run it; CI fails without it)`,
  );
}

/** A page expression's value (string scripts only, see above). */
function value<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}

/** The viewport point of a token's node on the canvas. */
async function nodePoint(page: Page, jti: string): Promise<{ x: number; y: number }> {
  return value(
    page,
    `(() => {
      const cy = window.batonInspector.cy;
      const node = cy.nodes().filter((n) => n.data("jti") === ${JSON.stringify(jti)})[0];
      const p = node.renderedPosition();
      const box = cy.container().getBoundingClientRect();
      return { x: box.left + p.x, y: box.top + p.y };
    })()`,
  );
}

/**
 * Waits until a page expression is truthy. Not `page.waitForFunction`: it evaluates its predicate
 * in the page with eval, which the service's CSP (no 'unsafe-eval') rightly refuses.
 */
async function until(page: Page, expression: string, timeout = 15_000): Promise<void> {
  await expect.poll(() => value(page, `Boolean(${expression})`), { timeout, interval: 100 }).toBe(true);
}

function statusOf(page: Page, jti: string): Promise<string | null> {
  return value(
    page,
    `(() => { const n = window.batonInspector.cy?.nodes().filter((n) => n.data("jti") === ${JSON.stringify(jti)})[0]; return n ? n.data("status") : null; })()`,
  );
}

describe.skipIf(!haveChromium)("the graph inspector in a browser", () => {
  let app: FastifyInstance;
  let url: string;
  let store: MemoryStore;
  let s: Scenario;
  let context: BrowserContext;
  let userDataDir: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    store = new MemoryStore();
    s = await seedScenario(store, { now: Math.floor(Date.now() / 1000) - 60 });
    app = await graphApp({ store, pollIntervalMs: 300 });
    url = await app.listen({ host: "127.0.0.1", port: 0 });
    userDataDir = mkdtempSync(join(tmpdir(), "baton-chromium-"));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1500, height: 900 },
    });
    context.setDefaultTimeout(10_000);
  });

  afterAll(async () => {
    await context?.close();
    await app?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it("draws the intent's tree, opens a revoked token, and shows a revocation and a delegation live", async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await page.goto(`${url}/ui#intent=${INTENT.id}`);
    await until(page, "window.batonInspector && window.batonInspector.ready === true");

    // The tree: four tokens, three edges, statuses from the store.
    expect(await value(page, "window.batonInspector.cy.nodes().length")).toBe(4);
    expect(await value(page, "window.batonInspector.cy.edges().length")).toBe(3);
    expect(await statusOf(page, s.jti.fix)).toBe("revoked");
    expect(await statusOf(page, s.jti.helper)).toBe("revoked-by-ancestor");
    await expect.poll(() => page.locator("#intents li[data-intent]").count()).toBe(2);
    expect(await page.locator("#graph-header [data-testid=token-count]").textContent()).toBe("4 tokens");
    await expect.poll(() => page.locator("#live").getAttribute("data-state")).toBe("live");

    // Clicking the revoked fixer token opens its details: status and narrowing against its parent.
    const point = await nodePoint(page, s.jti.fix);
    await page.mouse.click(point.x, point.y);
    await expect
      .poll(() => page.locator("#details [data-testid=token-title]").textContent())
      .toBe("orchestrator → fixer");
    expect(await page.locator("#details [data-testid=status]").first().textContent()).toBe("revoked");
    expect(await page.locator("#details [data-testid=revocation]").textContent()).toContain(
      "fixer overreached",
    );
    const narrowing = (await page.locator("#details [data-testid=narrowing]").textContent()) ?? "";
    expect(narrowing).toContain("tool removed: deploy");
    expect(narrowing).toContain("path_containment");
    expect(narrowing).toContain("TTL 8h→30m");
    expect(await page.locator("#details [data-testid=chain] li").count()).toBe(2);
    // Its audit events: every decision whose chain passed through it (its own 2 calls, mallory's 4).
    await expect.poll(() => page.locator("#details [data-testid=events] li").count()).toBe(6);
    await expect
      .poll(() => page.locator("#details [data-testid=events]").textContent())
      .toContain("PERMIT write_file");

    // A revocation made in the store while the page is open appears without a reload.
    await store.addRevocation({ target: { kind: "token", id: s.jti.research }, reason: "research done" });
    await expect.poll(() => statusOf(page, s.jti.research), { timeout: 10_000 }).toBe("revoked");
    await expect.poll(() => page.locator("#feed").textContent(), { timeout: 5000 }).toContain("REVOKED");

    // So does a new delegation (recorded and audited as the facade does).
    const child = derive(s.root, {
      key: orchestrator,
      to: mallory,
      tools: { run_tests: {} },
      ttl: 300,
      now: s.now + 2,
    });
    if (!child.ok) throw new Error(child.message);
    const input = tokenInputOf(child.value[1] as string);
    await store.recordToken(input);
    await store.appendAudit({
      type: "token_recorded",
      agent: input.holder,
      intent: INTENT.id,
      data: { hash: input.hash, jti: input.jti, issuer: input.issuer, holder: input.holder },
    });
    await expect
      .poll(() => value(page, "window.batonInspector.cy.nodes().length"), { timeout: 10_000 })
      .toBe(5);
    await expect.poll(() => page.locator("#feed").textContent()).toContain("DELEGATED");
    // The selection survived the live updates.
    expect(await page.locator("#details [data-testid=token-title]").textContent()).toBe(
      "orchestrator → fixer",
    );

    await page.waitForTimeout(300);
    await page.screenshot({ path: join(ARTIFACTS, "graph-ui.png") });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("finds tokens and agents by search and filters by status", async () => {
    const page = await context.newPage();
    await page.goto(`${url}/ui#intent=${INTENT.id}`);
    await until(page, "window.batonInspector && window.batonInspector.ready === true");
    await page.fill("#search", "mallory");
    await expect.poll(() => page.locator("#search-results button").count()).toBeGreaterThan(0);
    expect(await value(page, "window.batonInspector.cy.nodes('.match').length")).toBeGreaterThan(0);
    await page.fill("#search", s.jti.helper.slice(-8));
    await page.press("#search", "Enter");
    await expect
      .poll(() => page.locator("#details [data-testid=token-title]").textContent())
      .toBe("fixer → mallory");
    await page.fill("#search", "");
    await page.uncheck("#filters input[value=revoked-by-ancestor]");
    expect(await value(page, "window.batonInspector.cy.nodes('.filtered').length")).toBe(1);
    await page.close();
  });

  it("lays out a 2,000-token intent without freezing the page", async () => {
    await seedLargeIntent(store, 2000, Math.floor(Date.now() / 1000) - 30);
    const page = await context.newPage();
    await page.goto(`${url}/ui#intent=${LARGE_INTENT.id}`);
    await until(page, "window.batonInspector && window.batonInspector.ready === true", 60_000);
    const stats = await value<{
      nodes: number;
      layout: string;
      layoutMs: number;
      drawMs: number;
      fetchMs: number;
    }>(
      page,
      "({ nodes: window.batonInspector.nodes, layout: window.batonInspector.layout, layoutMs: window.batonInspector.layoutMs, drawMs: window.batonInspector.drawMs, fetchMs: window.batonInspector.fetchMs })",
    );
    // The page answers promptly while the labels are filled in between frames.
    const t0 = Date.now();
    await value(page, "1 + 1");
    const responsiveMs = Date.now() - t0;
    await until(page, "window.batonInspector.labelsMs > 0", 60_000);
    const labelsMs = await value<number>(page, "window.batonInspector.labelsMs");
    console.info(
      `[graph ui] 2,000 tokens: fetch ${Math.round(stats.fetchMs)} ms, layout (${stats.layout}) ${Math.round(stats.layoutMs)} ms, drawn ${Math.round(stats.drawMs)} ms, labels ${Math.round(labelsMs)} ms more, page answered in ${responsiveMs} ms`,
    );
    expect(stats.nodes).toBe(2000);
    expect(stats.layout).toBe("tree");
    expect(stats.layoutMs).toBeLessThan(2000);
    // Drawn (created, laid out, fitted, first frame) well under the 2 s target on a quiet machine; the
    // bound leaves room for a CI machine running other suites at the same time.
    expect(stats.drawMs).toBeLessThan(6000);
    expect(responsiveMs).toBeLessThan(1500);
    await page.screenshot({ path: join(ARTIFACTS, "graph-ui-2000.png") });
    await page.close();
  }, 120_000);
});
