// Small DOM and formatting helpers. Text always goes in through textContent, never innerHTML:
// token claims and agent names are data from outside.

/** Creates an element: h("li", { class: "x", onclick: fn }, "text", child). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Number.POSITIVE_INFINITY)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** `2h 30m`, `45s`: the two largest units. */
export function duration(seconds) {
  let s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400);
  s %= 86400;
  const hh = Math.floor(s / 3600);
  s %= 3600;
  const m = Math.floor(s / 60);
  const sec = s % 60;
  const parts = [d && `${d}d`, hh && `${hh}h`, m && `${m}m`, sec && `${sec}s`].filter(Boolean);
  return parts.slice(0, 2).join(" ") || "0s";
}

/** `in 1h 2m` / `3m ago`. */
export function relative(seconds) {
  return seconds >= 0 ? `${duration(seconds)} left` : `expired ${duration(-seconds)} ago`;
}

/** Last 8 characters of a jti (UUIDv7 jtis begin with a timestamp, so their start repeats). */
export function shortJti(jti) {
  return jti.length <= 8 ? jti : jti.slice(-8);
}

export function isoSeconds(unixSeconds) {
  return new Date(unixSeconds * 1000).toISOString().replace(".000Z", "Z");
}

export function clockTime(ms) {
  const d = new Date(ms);
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** Compact JSON of a constraint, for one line. */
export function compact(value) {
  return value === null ? "(absent)" : JSON.stringify(value);
}

export const STATUS_TEXT = {
  active: "active",
  expired: "expired",
  revoked: "revoked",
  "revoked-by-ancestor": "revoked by ancestor",
};

export function pill(status) {
  return h("span", { class: `pill ${status}`, "data-testid": "status" }, STATUS_TEXT[status] ?? status);
}

export const SEVERITY_ORDER = { high: 0, medium: 1, low: 2 };

export function sortFindings(list) {
  return [...list].sort(
    (a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.id.localeCompare(b.id),
  );
}
