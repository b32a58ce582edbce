// The right-hand panel: a token's details (claims, narrowing diff, usage, chain to the root, audit
// events) or the findings of the current view.
import {
  clockTime,
  compact,
  duration,
  h,
  isoSeconds,
  pill,
  relative,
  STATUS_TEXT,
  shortJti,
  sortFindings,
} from "./dom.js";

function findingBadge(f, actions) {
  const subject =
    f.token !== undefined ? `token ${shortJti(f.token)}` : `agent ${actions.agentLabel(f.agent)}`;
  return h(
    "div",
    { class: `badge ${f.severity}`, "data-finding": f.id },
    h("span", { class: "sev" }, f.severity),
    h("span", { class: "fid" }, f.id),
    h("div", {}, f.message),
    f.suggestion
      ? h("div", { class: "muted" }, "suggested tools: ", h("code", {}, JSON.stringify(f.suggestion.tools)))
      : null,
    actions.showSubject
      ? h("button", { type: "button", onclick: () => actions.focusFinding(f) }, `show ${subject}`)
      : null,
  );
}

function narrowingSection(node, parent) {
  const n = node.narrowing;
  if (!n) {
    return [
      h("h3", {}, "Narrowing"),
      h(
        "p",
        { class: "muted" },
        node.orphan ? "Its parent is not recorded." : "A root grant: nothing above it.",
      ),
    ];
  }
  const items = [];
  for (const t of n.toolsRemoved)
    items.push(h("li", {}, "tool removed: ", h("span", { class: "removed" }, t)));
  for (const t of n.toolsAdded) items.push(h("li", { class: "removed" }, `tool ADDED (widening): ${t}`));
  for (const c of n.constraints) {
    items.push(
      h(
        "li",
        {},
        h("code", {}, `${c.tool}.${c.arg}`),
        " ",
        h("code", { class: "muted" }, compact(c.from)),
        h("span", { class: "arrow" }, "→"),
        h(
          "code",
          { class: c.to === null ? "removed" : "tightened" },
          c.to === null ? "(not allowed)" : compact(c.to),
        ),
      ),
    );
  }
  items.push(
    h(
      "li",
      {},
      `TTL ${duration(n.ttl.from)}`,
      h("span", { class: "arrow" }, "→"),
      h("span", { class: "tightened" }, duration(n.ttl.to)),
      n.ttlShortenedBy > 0
        ? ` (expires ${duration(n.ttlShortenedBy)} earlier)`
        : " (expires with its parent)",
    ),
  );
  if (n.maxDepth)
    items.push(
      h("li", {}, `max depth ${n.maxDepth.from}`, h("span", { class: "arrow" }, "→"), String(n.maxDepth.to)),
    );
  for (const a of n.approvalsAdded) items.push(h("li", {}, "approval added: ", h("code", {}, a)));
  if (n.maxUses) items.push(h("li", {}, `max uses ${n.maxUses.from ?? "∞"} → ${n.maxUses.to ?? "∞"}`));
  if (n.audience) {
    items.push(
      h(
        "li",
        {},
        `audience ${(n.audience.from ?? ["any"]).join(", ")} → ${(n.audience.to ?? ["any"]).join(", ")}`,
      ),
    );
  }
  const kept = Object.keys(node.tools ?? {}).filter((t) => !n.constraints.some((c) => c.tool === t));
  if (kept.length) items.push(h("li", { class: "muted" }, `unchanged: ${kept.join(", ")}`));
  return [
    h(
      "h3",
      {},
      `Narrowing against its parent${parent ? ` (${parent.issuer.label} → ${parent.holder.label})` : ""}`,
    ),
    h("ul", { class: "diff", "data-testid": "narrowing" }, items),
  ];
}

function usageSection(node) {
  const u = node.usage;
  const rows = Object.entries(u.tools).map(([tool, t]) =>
    h(
      "tr",
      {},
      h("td", {}, h("code", {}, tool)),
      h("td", {}, String(t.permitted)),
      h("td", {}, String(t.denied)),
    ),
  );
  const codes = Object.entries(u.codes)
    .map(([c, k]) => `${c} ×${k}`)
    .join(", ");
  return [
    h("h3", {}, "Usage (calls made with this token as the leaf)"),
    h(
      "p",
      {},
      `${u.permitted} permitted, ${u.denied} denied`,
      codes ? ` (${codes})` : "",
      u.lastUse ? ` · last ${new Date(u.lastUse).toLocaleString()}` : "",
    ),
    rows.length
      ? h(
          "table",
          { class: "usage" },
          h("thead", {}, h("tr", {}, h("th", {}, "tool"), h("th", {}, "permitted"), h("th", {}, "denied"))),
          h("tbody", {}, rows),
        )
      : null,
  ];
}

function chainSection(node, byId, actions) {
  const chain = [];
  for (let n = node; n; n = n.parent !== undefined ? byId.get(n.parent) : undefined) chain.unshift(n);
  return [
    h("h3", {}, "Chain up to the root"),
    h(
      "ol",
      { class: "chain", "data-testid": "chain" },
      chain.map((n) =>
        h(
          "li",
          {},
          h("span", { class: `node-dot pill ${n.status}` }),
          n === node
            ? h("span", { class: "current" }, `${n.issuer.label} → ${n.holder.label}`)
            : h("a", { onclick: () => actions.selectToken(n.id) }, `${n.issuer.label} → ${n.holder.label}`),
          " ",
          h("code", { class: "muted" }, shortJti(n.jti)),
          " ",
          h("span", { class: "muted" }, STATUS_TEXT[n.status]),
        ),
      ),
    ),
  ];
}

function describeEvent(e) {
  const d = e.data;
  if (e.type === "decision") {
    return [
      h("span", { class: d.allow ? "tightened" : "removed" }, d.allow ? "PERMIT" : `DENY ${d.code}`),
      d.tool ? ` ${d.tool}` : "",
      typeof d.message === "string" ? h("div", { class: "muted" }, d.message) : null,
    ];
  }
  if (e.type === "token_recorded") return ["recorded"];
  if (e.type === "revocation")
    return [h("span", { class: "removed" }, "revoked"), d.reason ? ` — ${d.reason}` : ""];
  return [e.type];
}

/** The token panel. `actions`: selectToken(id), agentLabel(id), focusFinding(f), loadAudit(node). */
export function renderToken(root, node, graph, byId, actions) {
  const parent = node.parent !== undefined ? byId.get(node.parent) : undefined;
  const findings = sortFindings(
    graph.findings.filter(
      (f) => f.token === node.jti || (f.agent !== undefined && f.agent === node.holder.id),
    ),
  );
  const r = node.revocation;
  const facts = [
    ["jti", h("code", { "data-testid": "jti" }, node.jti)],
    ["issuer", h("span", { title: node.issuer.id }, node.issuer.label)],
    ["holder", h("span", { title: node.holder.id }, node.holder.label)],
    ["holder id", h("code", {}, node.holder.id)],
    [
      "intent",
      node.intent ? `${node.intent.id}${node.intent.purpose ? ` — ${node.intent.purpose}` : ""}` : "(none)",
    ],
    ["depth", `${node.depth} of max ${node.maxDepth} (deepest below: ${node.deepestDepth})`],
    ["lifetime", `${duration(node.ttl)} · ${relative(node.ttlLeft)}`],
    ["issued", isoSeconds(node.iat)],
    ["expires", isoSeconds(node.exp)],
    ["approvals", node.approve.length ? node.approve.join(", ") : "none"],
  ];
  if (node.maxUses !== undefined) facts.push(["max uses", String(node.maxUses)]);
  if (node.aud) facts.push(["audience", node.aud.join(", ")]);
  if (r) {
    const what = `${r.target.kind} ${r.target.kind === "token" ? shortJti(r.target.id) : actions.agentLabel(r.target.id)}`;
    facts.push([
      "revoked",
      h(
        "span",
        { "data-testid": "revocation" },
        r.ancestor ? `via ancestor ${shortJti(r.ancestor)}: ` : "",
        what,
        r.reason ? ` — “${r.reason}”` : "",
        ` at ${new Date(r.revokedAt).toLocaleString()}`,
      ),
    ]);
  }
  const tools =
    node.tools === null
      ? [h("p", { class: "muted" }, "No AAT tools entry.")]
      : [
          h(
            "ul",
            { class: "tool-list" },
            Object.entries(node.tools).map(([tool, map]) =>
              h("li", {}, h("code", {}, tool), " ", h("code", { class: "muted" }, JSON.stringify(map))),
            ),
          ),
        ];
  const eventsList = h(
    "ol",
    { class: "events", "data-testid": "events" },
    h("li", { class: "muted" }, "loading…"),
  );
  root.replaceChildren(
    h("button", { class: "back", type: "button", onclick: () => actions.showFindings() }, "← findings"),
    h("h2", { "data-testid": "token-title" }, `${node.issuer.label} → ${node.holder.label}`),
    h("div", {}, pill(node.status), " ", h("code", { class: "muted" }, shortJti(node.jti))),
    findings.length
      ? h(
          "div",
          { class: "badges" },
          findings.map((f) => findingBadge(f, actions)),
        )
      : null,
    h("h3", {}, "Token"),
    h(
      "dl",
      {},
      facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
    ),
    h("h3", {}, "Tools and constraints"),
    ...tools,
    ...narrowingSection(node, parent),
    ...usageSection(node),
    ...chainSection(node, byId, actions),
    h("h3", {}, "Audit events"),
    eventsList,
    h("h3", {}, "Claims"),
    h(
      "details",
      {},
      h("summary", {}, "full payload"),
      h("pre", { class: "claims" }, JSON.stringify(node.claims, null, 2)),
    ),
  );
  actions
    .loadAudit(node)
    .then((events) => {
      eventsList.replaceChildren(
        ...(events.length
          ? events.map((e) =>
              h("li", {}, h("span", { class: "muted" }, `${clockTime(e.at)} `), ...describeEvent(e)),
            )
          : [h("li", { class: "muted" }, "No audit events mention this token.")]),
      );
    })
    .catch(() => eventsList.replaceChildren(h("li", { class: "muted" }, "Could not load the audit events.")));
}

/** Badges drawn at once; a large tree can have thousands of findings. */
const MAX_BADGES = 150;

/** The findings of the current view, most severe first. */
export function renderFindings(root, graph, actions) {
  const list = sortFindings(graph.findings);
  const counts = { high: 0, medium: 0, low: 0 };
  const byId = new Map();
  for (const f of list) {
    counts[f.severity] += 1;
    byId.set(f.id, (byId.get(f.id) ?? 0) + 1);
  }
  root.replaceChildren(
    h("h2", {}, `Findings (${list.length})`),
    h(
      "p",
      { class: "muted" },
      list.length
        ? `${counts.high} high · ${counts.medium} medium · ${counts.low} low. Click a token in the tree for its details.`
        : "No risk findings in this view.",
    ),
    list.length
      ? h(
          "p",
          { class: "finding-ids" },
          [...byId].map(([id, n]) => h("span", { class: "stat" }, `${id} ×${n}`)),
        )
      : null,
    h(
      "div",
      { class: "badges", "data-testid": "findings" },
      list.slice(0, MAX_BADGES).map((f) => findingBadge(f, { ...actions, showSubject: true })),
      list.length > MAX_BADGES
        ? h("p", { class: "muted" }, `… and ${list.length - MAX_BADGES} more (less severe).`)
        : null,
    ),
  );
}
