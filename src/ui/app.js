// The delegation inspector: intents on the left, the selected tree in the middle (cytoscape.js,
// laid out top-down), token details and findings on the right, live updates over SSE.
import { renderFindings, renderToken } from "./details.js";
import { clockTime, h, pill, SEVERITY_ORDER, STATUS_TEXT, shortJti } from "./dom.js";
import { treePositions } from "./layout.js";

/** Trees up to this size use dagre; larger ones the linear tree layout (dagre takes seconds there). */
const DAGRE_MAX_NODES = 300;
const NODE = { width: 200, height: 64, gapX: 28, gapY: 72 };
const STATUSES = ["active", "expired", "revoked", "revoked-by-ancestor"];

const $ = (id) => document.getElementById(id);

const state = {
  /** { kind: "intent" | "agent", id } */
  view: null,
  graph: null,
  byId: new Map(),
  byJti: new Map(),
  selected: null,
  filters: new Set(STATUSES),
  query: "",
  cy: null,
  intents: [],
};

/** What tests and curious people can read: sizes and timings of the last drawing. */
const inspector = {
  ready: false,
  loads: 0,
  nodes: 0,
  layout: "",
  layoutMs: 0,
  drawMs: 0,
  labelsMs: 0,
  fetchMs: 0,
  view: null,
  select: (jti) => {
    const n = state.byJti.get(jti);
    if (n) selectToken(n.id, { center: true });
    return Boolean(n);
  },
  get cy() {
    return state.cy;
  },
  get graph() {
    return state.graph;
  },
};
window.batonInspector = inspector;

// ---------------------------------------------------------------- graph drawing

const CY_STYLE = [
  {
    selector: "node",
    style: {
      shape: "round-rectangle",
      width: NODE.width,
      height: NODE.height,
      "background-color": "#dcfce7",
      "border-width": 2,
      "border-color": "#15803d",
      label: "data(label)",
      "text-wrap": "wrap",
      "text-max-width": NODE.width - 14,
      "font-size": 11,
      "line-height": 1.3,
      "text-valign": "center",
      "text-halign": "center",
      color: "#0f172a",
      "font-family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
      "min-zoomed-font-size": 7,
    },
  },
  {
    selector: "node.expired",
    style: {
      "background-color": "#e5e7eb",
      "border-color": "#6b7280",
      "border-style": "dashed",
      color: "#374151",
    },
  },
  { selector: "node.revoked", style: { "background-color": "#fee2e2", "border-color": "#b91c1c" } },
  {
    selector: "node.revoked-by-ancestor",
    style: { "background-color": "#fdecec", "border-color": "#e06666", "border-style": "dashed" },
  },
  {
    selector: "node[level = 'high']",
    style: { "outline-width": 3, "outline-color": "#dc2626", "outline-offset": 2 },
  },
  {
    selector: "node[level = 'medium']",
    style: { "outline-width": 3, "outline-color": "#f59e0b", "outline-offset": 2 },
  },
  {
    selector: "node[level = 'low']",
    style: { "outline-width": 2, "outline-color": "#fcd34d", "outline-offset": 2 },
  },
  {
    selector: "node:selected",
    style: {
      "border-width": 4,
      "border-color": "#2563eb",
      "underlay-color": "#93c5fd",
      "underlay-padding": 7,
      "underlay-opacity": 0.55,
    },
  },
  {
    selector: "node.match",
    style: { "underlay-color": "#a855f7", "underlay-padding": 9, "underlay-opacity": 0.45 },
  },
  {
    selector: "node.fresh",
    style: { "underlay-color": "#facc15", "underlay-padding": 11, "underlay-opacity": 0.8 },
  },
  { selector: ".dimmed", style: { opacity: 0.2 } },
  { selector: ".filtered", style: { display: "none" } },
  {
    selector: "edge",
    style: {
      width: 1.6,
      "line-color": "#94a3b8",
      "target-arrow-color": "#94a3b8",
      "target-arrow-shape": "triangle",
      "arrow-scale": 0.8,
      "curve-style": "taxi",
      "taxi-direction": "downward",
      "taxi-turn": 28,
    },
  },
  { selector: "edge.large", style: { "curve-style": "haystack", "haystack-radius": 0 } },
  {
    selector: "edge.revoked",
    style: { "line-color": "#fca5a5", "target-arrow-color": "#fca5a5", "line-style": "dashed" },
  },
];

function toolsText(node) {
  if (node.tools === null) return "no tools";
  const names = Object.keys(node.tools);
  if (names.length === 0) return "no tools";
  const text = names.join(", ");
  return text.length > 34 ? `${text.slice(0, 33)}…` : text;
}

/** The most severe finding touching a node (its own, or its holder's). */
function levelsOf(graph) {
  const byToken = new Map();
  const byAgent = new Map();
  const worse = (a, b) => (a === undefined || SEVERITY_ORDER[b] < SEVERITY_ORDER[a] ? b : a);
  for (const f of graph.findings) {
    if (f.token !== undefined) byToken.set(f.token, worse(byToken.get(f.token), f.severity));
    if (f.agent !== undefined) byAgent.set(f.agent, worse(byAgent.get(f.agent), f.severity));
  }
  return (n) => {
    const a = byToken.get(n.jti);
    const b = byAgent.get(n.holder.id);
    if (a === undefined) return b;
    return b === undefined ? a : worse(a, b);
  };
}

/** Issuer URIs are long: `https://people.acme.example/alice` reads `people.acme.example/alice`. */
function short(label) {
  return label.replace(/^https?:\/\//, "");
}

function nodeData(n, level) {
  const count = n.findings.length;
  const status = n.status === "revoked-by-ancestor" ? "revoked ↑" : n.status;
  const label = `${short(n.issuer.label)} → ${n.holder.label}\n${toolsText(n)}\n${status} · ${shortJti(n.jti)}${count ? ` · ⚠ ${count}` : ""}`;
  const data = { id: n.id, label, jti: n.jti, status: n.status };
  if (level) data.level = level;
  return data;
}

function edgeClasses(graph, e) {
  const target = state.byId.get(e.target);
  const classes = [];
  if (graph.nodes.length > DAGRE_MAX_NODES) classes.push("large");
  if (target && (target.status === "revoked" || target.status === "revoked-by-ancestor"))
    classes.push("revoked");
  return classes.join(" ");
}

function layoutName(graph) {
  return graph.nodes.length <= DAGRE_MAX_NODES && window.cytoscapeDagre !== undefined ? "dagre" : "tree";
}

/** Positions every node; returns the milliseconds it took. */
function runLayout(cy, graph) {
  const t0 = performance.now();
  if (layoutName(graph) === "dagre") {
    cy.layout({
      name: "dagre",
      rankDir: "TB",
      nodeSep: NODE.gapX,
      rankSep: NODE.gapY,
      animate: false,
      fit: false,
    }).run();
  } else {
    const pos = treePositions(graph.nodes, NODE);
    cy.startBatch();
    cy.nodes().positions((node) => pos.get(node.id()) ?? { x: 0, y: 0 });
    cy.endBatch();
  }
  return performance.now() - t0;
}

function indexGraph(graph) {
  state.graph = graph;
  state.byId = new Map(graph.nodes.map((n) => [n.id, n]));
  state.byJti = new Map(graph.nodes.map((n) => [n.jti, n]));
}

/** Draws a new view from scratch. */
function drawFresh(graph) {
  const t0 = performance.now();
  indexGraph(graph);
  state.cy?.destroy();
  const large = graph.nodes.length > DAGRE_MAX_NODES;
  const level = levelsOf(graph);
  // Measuring 2,000 wrapped labels is most of cytoscape's start-up: a large tree is drawn first
  // with empty labels, which are then filled in chunks between frames (the page stays responsive).
  const pending = [];
  const elements = [
    ...graph.nodes.map((n) => {
      const data = nodeData(n, level(n));
      if (large) {
        pending.push([n.id, data.label]);
        data.label = "";
      }
      return { group: "nodes", data, classes: n.status };
    }),
    ...graph.edges.map((e) => ({
      group: "edges",
      data: { id: e.id, source: e.source, target: e.target },
      classes: edgeClasses(graph, e),
    })),
  ];
  const tCreate = performance.now();
  const cy = cytoscape({
    container: $("cy"),
    elements,
    style: CY_STYLE,
    layout: { name: "preset" },
    minZoom: 0.01,
    maxZoom: 2.5,
    boxSelectionEnabled: false,
    autoungrabify: true,
    textureOnViewport: large,
    hideEdgesOnViewport: large,
    motionBlur: false,
    pixelRatio: large ? 1 : "auto",
  });
  state.cy = cy;
  cy.on("tap", "node", (e) => selectToken(e.target.id()));
  cy.on("tap", (e) => {
    if (e.target === cy) deselect();
  });
  const tLayout = performance.now();
  inspector.layout = layoutName(graph);
  inspector.layoutMs = runLayout(cy, graph);
  const tFilters = performance.now();
  if (state.filters.size < STATUSES.length) applyFilters();
  if (state.query !== "") applySearch();
  const tFit = performance.now();
  fitView(cy);
  const tEnd = performance.now();
  inspector.phases = {
    prepare: tCreate - t0,
    create: tLayout - tCreate,
    layout: tFilters - tLayout,
    filters: tFit - tFilters,
    fit: tEnd - tFit,
  };
  inspector.labelsMs = 0;
  requestAnimationFrame(() => {
    inspector.drawMs = performance.now() - t0;
    inspector.nodes = graph.nodes.length;
    inspector.ready = true;
    inspector.loads += 1;
    if (pending.length > 0) fillLabels(cy, pending, performance.now());
  });
}

/** Sets labels a chunk per frame; stops when the view was replaced. */
function fillLabels(cy, pending, started) {
  const CHUNK = 150;
  let i = 0;
  const step = () => {
    if (state.cy !== cy) return;
    cy.startBatch();
    for (const end = Math.min(i + CHUNK, pending.length); i < end; i++) {
      const [id, label] = pending[i];
      cy.getElementById(id).data("label", label);
    }
    cy.endBatch();
    if (i < pending.length) requestAnimationFrame(step);
    else inspector.labelsMs = performance.now() - started;
  };
  requestAnimationFrame(step);
}

/**
 * Fits the tree from node positions (not label boxes, which cost a measurement per node), no
 * closer than 110 %; a tree too wide to read whole starts at its root instead.
 */
function fitView(cy) {
  const nodes = cy.nodes(":visible");
  if (nodes.empty()) return;
  let x1 = Number.POSITIVE_INFINITY;
  let y1 = Number.POSITIVE_INFINITY;
  let x2 = Number.NEGATIVE_INFINITY;
  let y2 = Number.NEGATIVE_INFINITY;
  nodes.forEach((n) => {
    const p = n.position();
    x1 = Math.min(x1, p.x);
    y1 = Math.min(y1, p.y);
    x2 = Math.max(x2, p.x);
    y2 = Math.max(y2, p.y);
  });
  const pad = 40;
  const w = x2 - x1 + NODE.width + 2 * pad;
  const hgt = y2 - y1 + NODE.height + 2 * pad;
  const zoom = Math.min(1.1, cy.width() / w, cy.height() / hgt);
  if (zoom >= 0.25) {
    cy.viewport({
      zoom,
      pan: { x: cy.width() / 2 - ((x1 + x2) / 2) * zoom, y: cy.height() / 2 - ((y1 + y2) / 2) * zoom },
    });
  } else {
    // A wide tree fitted whole is unreadable: start at the root, readable, and let the person zoom out.
    const root = nodes[0].position();
    cy.viewport({
      zoom: 0.6,
      pan: { x: cy.width() / 2 - root.x * 0.6, y: 80 - (root.y - NODE.height / 2) * 0.6 },
    });
  }
}

/** Applies a refreshed graph of the same view: statuses in place, new tokens added and laid out. */
function drawUpdate(graph) {
  const cy = state.cy;
  if (!cy) return drawFresh(graph);
  const before = new Set(cy.nodes().map((n) => n.id()));
  indexGraph(graph);
  const level = levelsOf(graph);
  const added = [];
  cy.startBatch();
  for (const n of graph.nodes) {
    const data = nodeData(n, level(n));
    const existing = cy.getElementById(n.id);
    if (existing.nonempty()) {
      existing.data(data);
      if (!level(n)) existing.removeData("level");
      existing.classes(
        [n.status, ...["match", "dimmed", "filtered"].filter((c) => existing.hasClass(c))].join(" "),
      );
    } else {
      added.push(cy.add({ group: "nodes", data, classes: n.status }));
    }
    before.delete(n.id);
  }
  for (const id of before) cy.getElementById(id).remove();
  for (const e of graph.edges) {
    const existing = cy.getElementById(e.id);
    if (existing.empty()) cy.add({ group: "edges", data: { id: e.id, source: e.source, target: e.target } });
    cy.getElementById(e.id).classes(edgeClasses(graph, e));
  }
  cy.endBatch();
  if (added.length > 0) {
    inspector.layoutMs = runLayout(cy, graph);
    // A small tree is looked at whole: keep it whole. A large one keeps the person's viewport.
    if (graph.nodes.length <= DAGRE_MAX_NODES) fitView(cy);
    for (const n of added) {
      n.addClass("fresh");
      setTimeout(() => n.removeClass("fresh"), 2500);
    }
  }
  applyFilters();
  applySearch();
  inspector.nodes = graph.nodes.length;
  inspector.loads += 1;
  if (state.selected && state.byId.has(state.selected)) {
    cy.getElementById(state.selected).select();
    showToken(state.selected);
  } else if (!state.selected) {
    showFindings();
  }
}

// ---------------------------------------------------------------- views

function viewUrl(view) {
  const q = `${view.kind}=${encodeURIComponent(view.id)}`;
  return `/v1/graph?${q}`;
}

async function openView(view, options = {}) {
  state.view = view;
  state.selected = options.token ?? null;
  inspector.ready = false;
  inspector.view = view;
  markSelectedIntent();
  writeHash();
  const t0 = performance.now();
  const res = await fetch(viewUrl(view));
  if (!res.ok) {
    state.cy?.destroy();
    state.cy = null;
    state.graph = null;
    $("empty").hidden = false;
    $("empty").textContent =
      res.status === 404
        ? `Nothing is recorded for this ${view.kind}.`
        : `The service answered ${res.status}.`;
    $("graph-header").replaceChildren();
    $("details").replaceChildren();
    return;
  }
  const graph = await res.json();
  inspector.fetchMs = performance.now() - t0;
  $("empty").hidden = true;
  drawFresh(graph);
  renderHeader();
  if (state.selected) {
    const n = state.byJti.get(state.selected) ?? state.byId.get(state.selected);
    if (n) selectToken(n.id, { center: true });
    else showFindings();
  } else showFindings();
}

async function refreshView() {
  if (!state.view) return;
  const res = await fetch(viewUrl(state.view));
  if (!res.ok) return;
  drawUpdate(await res.json());
  renderHeader();
}

function renderHeader() {
  const g = state.graph;
  if (!g) return;
  const title =
    g.view === "agent"
      ? [
          h("span", {}, `Agent ${g.agent.label}`),
          h(
            "span",
            { class: "purpose" },
            `holds ${g.agent.held} · issued ${g.agent.issued} · ${g.agent.intents.length} intent(s)`,
          ),
        ]
      : [
          h("span", {}, g.intent ? g.intent.id : "(no intent)"),
          g.intent?.purpose ? h("span", { class: "purpose" }, `— ${g.intent.purpose}`) : null,
        ];
  const sev = { high: 0, medium: 0, low: 0 };
  for (const f of g.findings) sev[f.severity] += 1;
  const s = g.summary;
  $("graph-header").replaceChildren(
    h(
      "h1",
      {},
      ...title,
      g.view === "agent" && state.returnTo
        ? h(
            "button",
            { type: "button", class: "back", onclick: () => openView(state.returnTo) },
            "← back to intent",
          )
        : null,
    ),
    h(
      "div",
      { class: "stats" },
      h("span", { class: "stat", "data-testid": "token-count" }, `${s.tokens} tokens`),
      ...STATUSES.filter((st) => s.byStatus[st] > 0).map((st) =>
        h("span", { class: `pill ${st}` }, `${s.byStatus[st]} ${STATUS_TEXT[st]}`),
      ),
      h("span", { class: "stat" }, `${s.permitted} permitted · ${s.denied} denied calls`),
      s.unattributed ? h("span", { class: "stat" }, `${s.unattributed} calls by unrecorded tokens`) : null,
      h(
        "a",
        { class: "stat linkish", onclick: () => deselect() },
        `⚠ ${g.findings.length} findings (${sev.high} high, ${sev.medium} medium, ${sev.low} low)`,
      ),
      inspector.layoutMs
        ? h(
            "span",
            { class: "stat muted" },
            `layout ${Math.round(inspector.layoutMs)} ms (${inspector.layout})`,
          )
        : null,
    ),
  );
}

// ---------------------------------------------------------------- details

function agentLabel(id) {
  if (!state.graph) return id;
  for (const n of state.graph.nodes) {
    if (n.holder.id === id) return n.holder.label;
    if (n.issuer.id === id) return n.issuer.label;
  }
  return id.startsWith("urn:ietf:params:oauth:jwk-thumbprint:sha-256:") ? `jkt:${id.slice(45, 53)}` : id;
}

const actions = {
  selectToken: (id) => selectToken(id, { center: true }),
  agentLabel,
  showFindings: () => deselect(),
  focusFinding: (f) => {
    if (f.token !== undefined) {
      const n = state.byJti.get(f.token);
      if (n) selectToken(n.id, { center: true });
    } else if (f.agent !== undefined) {
      $("search").value = f.agent;
      onSearch();
    }
  },
  loadAudit: async (node) => {
    const q = new URLSearchParams({ jti: node.jti });
    if (node.intent) q.set("intent", node.intent.id);
    const res = await fetch(`/v1/graph/audit?${q}`);
    if (!res.ok) throw new Error(String(res.status));
    return (await res.json()).events;
  },
};

function showToken(id) {
  const node = state.byId.get(id);
  if (!node || !state.graph) return;
  renderToken($("details"), node, state.graph, state.byId, actions);
}

function showFindings() {
  if (state.graph) renderFindings($("details"), state.graph, actions);
}

function selectToken(id, options = {}) {
  const cy = state.cy;
  if (!cy) return;
  state.selected = id;
  cy.$(":selected").unselect();
  const el = cy.getElementById(id);
  el.select();
  if (options.center) cy.animate({ center: { eles: el }, zoom: Math.max(cy.zoom(), 0.8) }, { duration: 250 });
  showToken(id);
  writeHash();
}

function deselect() {
  state.selected = null;
  state.cy?.$(":selected").unselect();
  showFindings();
  writeHash();
}

// ---------------------------------------------------------------- filters and search

function applyFilters() {
  const cy = state.cy;
  if (!cy) return;
  cy.startBatch();
  cy.nodes().forEach((n) => {
    n.toggleClass("filtered", !state.filters.has(n.data("status")));
  });
  cy.endBatch();
}

function matches(q) {
  const out = { tokens: [], agents: new Map() };
  if (!state.graph || q === "") return out;
  const needle = q.toLowerCase();
  for (const n of state.graph.nodes) {
    if (n.jti.toLowerCase().includes(needle)) out.tokens.push(n);
    for (const a of [n.holder, n.issuer]) {
      if (a.id.toLowerCase().includes(needle) || a.label.toLowerCase().includes(needle))
        out.agents.set(a.id, a);
    }
  }
  return out;
}

function applySearch() {
  const cy = state.cy;
  if (!cy) return;
  const q = state.query;
  const m = matches(q);
  const hit = new Set(m.tokens.map((n) => n.id));
  for (const n of state.graph?.nodes ?? []) {
    if (m.agents.has(n.holder.id) || m.agents.has(n.issuer.id)) hit.add(n.id);
  }
  cy.startBatch();
  cy.elements().removeClass("match dimmed");
  if (q !== "") {
    cy.nodes().forEach((n) => {
      if (hit.has(n.id())) n.addClass("match");
      else n.addClass("dimmed");
    });
    cy.edges().addClass("dimmed");
  }
  cy.endBatch();
}

function onSearch() {
  state.query = $("search").value.trim();
  applySearch();
  const box = $("search-results");
  const q = state.query;
  if (q === "") {
    box.hidden = true;
    return;
  }
  const m = matches(q);
  const items = [];
  for (const a of [...m.agents.values()].slice(0, 6)) {
    items.push(
      h(
        "button",
        { type: "button", onclick: () => openAgent(a.id) },
        h("span", { class: "kind" }, "agent"),
        `${a.label} `,
        h("span", { class: "muted mono" }, a.id === a.label ? "" : a.id.slice(-16)),
        h("span", { class: "muted" }, " · open agent view"),
      ),
    );
  }
  for (const n of m.tokens.slice(0, 10)) {
    items.push(
      h(
        "button",
        {
          type: "button",
          onclick: () => {
            box.hidden = true;
            selectToken(n.id, { center: true });
          },
        },
        h("span", { class: "kind" }, "token"),
        h("code", {}, shortJti(n.jti)),
        ` ${n.issuer.label} → ${n.holder.label} `,
        pill(n.status),
      ),
    );
  }
  if (items.length === 0 && /^urn:ietf:params:oauth:jwk-thumbprint:/.test(q)) {
    items.push(
      h(
        "button",
        { type: "button", onclick: () => openAgent(q) },
        h("span", { class: "kind" }, "agent"),
        `open agent view for ${q.slice(-16)}`,
      ),
    );
  }
  if (items.length === 0)
    items.push(h("div", { class: "muted search-empty" }, "No agent or token in this view matches."));
  box.replaceChildren(...items);
  box.hidden = false;
}

function openAgent(id) {
  $("search-results").hidden = true;
  $("search").value = "";
  state.query = "";
  if (state.view?.kind === "intent") state.returnTo = state.view;
  openView({ kind: "agent", id });
}

// ---------------------------------------------------------------- intents list

async function loadIntents() {
  const res = await fetch("/v1/intents");
  if (!res.ok) return;
  const body = await res.json();
  state.intents = body.intents;
  $("intent-count").textContent = `(${body.intents.length}${body.truncated ? "+" : ""})`;
  $("intents").replaceChildren(
    ...body.intents.map((i) =>
      h(
        "li",
        { dataset: { intent: i.id }, onclick: () => openView({ kind: "intent", id: i.id }) },
        h("div", { class: "row" }, h("span", { class: "id", title: i.id }, i.id), pill(i.status)),
        i.purpose ? h("div", { class: "purpose", title: i.purpose }, i.purpose) : null,
        h(
          "div",
          { class: "counts" },
          `${i.tokens} tokens · ${i.byStatus.active} active · ${i.byStatus.revoked + i.byStatus["revoked-by-ancestor"]} revoked · ${i.byStatus.expired} expired`,
        ),
      ),
    ),
  );
  if (body.intents.length === 0)
    $("intents").replaceChildren(h("li", { class: "muted" }, "No intent recorded yet."));
  markSelectedIntent();
}

function markSelectedIntent() {
  for (const li of $("intents").querySelectorAll("li[data-intent]")) {
    li.classList.toggle("selected", state.view?.kind === "intent" && li.dataset.intent === state.view.id);
  }
}

// ---------------------------------------------------------------- live updates

function debounce(fn, ms) {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}

const refreshSoon = debounce(() => {
  refreshView().catch(() => {});
}, 250);
const intentsSoon = debounce(() => {
  loadIntents().catch(() => {});
}, 600);

function feedText(ev) {
  if (ev.type === "delegation") {
    return [
      h("span", { class: "tag delegation" }, "DELEGATED"),
      `${agentLabel(ev.issuer ?? "?")} → ${agentLabel(ev.holder ?? "?")}`,
      ev.intent ? h("span", { class: "muted" }, ` in ${ev.intent}`) : null,
    ];
  }
  if (ev.type === "revocation") {
    const t = ev.target;
    return [
      h("span", { class: "tag revocation" }, "REVOKED"),
      `${t.kind} ${t.kind === "token" ? shortJti(t.id) : agentLabel(t.id)}`,
      ev.reason ? h("span", { class: "muted" }, ` — ${ev.reason}`) : null,
    ];
  }
  return [
    h("span", { class: `tag ${ev.allow ? "permit" : "deny"}` }, ev.allow ? "PERMIT" : `DENY ${ev.code}`),
    `${ev.tool ?? "?"}`,
    ev.agent ? h("span", { class: "muted" }, ` by ${agentLabel(ev.agent)}`) : null,
  ];
}

function addFeed(ev) {
  const feed = $("feed");
  const placeholder = feed.querySelector(".muted");
  if (placeholder && feed.children.length === 1) placeholder.remove();
  const jti =
    ev.type === "decision"
      ? ev.jtis[ev.jtis.length - 1]
      : ev.type === "delegation"
        ? ev.jti
        : ev.target.kind === "token"
          ? ev.target.id
          : undefined;
  const li = h(
    "li",
    {
      class: "fresh",
      onclick: () => {
        const n = jti !== undefined ? state.byJti.get(jti) : undefined;
        if (n) selectToken(n.id, { center: true });
      },
    },
    h("span", { class: "time" }, clockTime(ev.at)),
    ...feedText(ev),
  );
  feed.prepend(li);
  while (feed.children.length > 40) feed.lastElementChild.remove();
}

function relevant(ev) {
  if (!state.view) return false;
  if (ev.type === "revocation" || state.view.kind === "agent") return true;
  return ev.intent === state.view.id;
}

function connect() {
  const live = $("live");
  const text = $("live-text");
  const source = new EventSource("/v1/events");
  source.onopen = () => {
    live.dataset.state = "live";
    text.textContent = "live";
  };
  source.onerror = () => {
    live.dataset.state = "down";
    text.textContent = "reconnecting…";
  };
  for (const type of ["delegation", "revocation", "decision"]) {
    source.addEventListener(type, (e) => {
      const ev = JSON.parse(e.data);
      addFeed(ev);
      intentsSoon();
      if (relevant(ev)) refreshSoon();
    });
  }
}

// ---------------------------------------------------------------- location

function writeHash() {
  if (!state.view) return;
  const q = new URLSearchParams({ [state.view.kind]: state.view.id });
  const n = state.selected ? state.byId.get(state.selected) : undefined;
  if (n) q.set("token", n.jti);
  history.replaceState(null, "", `#${q}`);
}

function readHash() {
  const q = new URLSearchParams(location.hash.slice(1));
  const token = q.get("token") ?? undefined;
  if (q.get("intent")) return { view: { kind: "intent", id: q.get("intent") }, token };
  if (q.get("agent")) return { view: { kind: "agent", id: q.get("agent") }, token };
  return null;
}

// ---------------------------------------------------------------- start

function start() {
  $("fit").addEventListener("click", () => state.cy?.fit(undefined, 30));
  $("fit").title = "Fit the whole tree to the view";
  $("show-findings").addEventListener("click", () => deselect());
  for (const box of $("filters").querySelectorAll("input")) {
    box.addEventListener("change", () => {
      if (box.checked) state.filters.add(box.value);
      else state.filters.delete(box.value);
      applyFilters();
    });
  }
  const search = $("search");
  search.addEventListener("input", debounce(onSearch, 120));
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      onSearch(); // the input handler is debounced: act on what is typed now
      $("search-results").querySelector("button")?.click();
    }
    if (e.key === "Escape") {
      search.value = "";
      onSearch();
    }
  });
  document.addEventListener("click", (e) => {
    if (!e.target.closest(".search")) $("search-results").hidden = true;
  });
  connect();
  loadIntents()
    .then(() => {
      const wanted = readHash();
      if (wanted) return openView(wanted.view, { token: wanted.token });
      const first = state.intents[0];
      if (first) return openView({ kind: "intent", id: first.id });
      return undefined;
    })
    .catch((e) => {
      $("empty").textContent = `Could not reach the service: ${e.message}`;
    });
}

start();
