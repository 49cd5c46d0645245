// The route-testing status page: polls the JSON API and redraws the tables. No framework, no build
// step; every value from the API goes into the page as text (textContent), never as HTML.
"use strict";

const REFRESH_MS = 3000;
const GOOD = new Set(["delivered_intact"]);
const WARN = new Set(["late", "duplicated"]);

function el(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  if (options.text !== undefined && options.text !== null) node.textContent = String(options.text);
  if (options.className) node.className = options.className;
  for (const [name, value] of Object.entries(options.data || {})) node.dataset[name] = value;
  if (options.title) node.title = options.title;
  for (const child of children) node.append(child);
  return node;
}

const pct = (value) => (value === null || value === undefined ? "–" : `${(value * 100).toFixed(1)}%`);

function secs(value) {
  if (value === null || value === undefined) return "–";
  if (value < 1) return `${Math.round(value * 1000)} ms`;
  if (value < 120) return `${value.toFixed(1)} s`;
  return `${(value / 60).toFixed(1)} min`;
}

function span(seconds) {
  if (seconds >= 86400) return `${+(seconds / 86400).toFixed(1)} d`;
  if (seconds >= 3600) return `${+(seconds / 3600).toFixed(1)} h`;
  return `${+(seconds / 60).toFixed(1)} min`;
}

function time(iso) {
  return iso ? new Date(iso).toLocaleTimeString() : "–";
}

function fill(tableId, rows, empty) {
  const body = document.querySelector(`#${tableId} tbody`);
  const columns = document.querySelectorAll(`#${tableId} thead th`).length;
  body.replaceChildren(...(rows.length ? rows : [el("tr", {}, [cell(empty, "muted", columns)])]));
}

function cell(content, className, span) {
  const td = el("td", { className });
  if (span) td.colSpan = span;
  if (content instanceof Node) td.append(content);
  else td.textContent = content === null || content === undefined ? "–" : String(content);
  return td;
}

function gradeBadge(card) {
  const grade = card.grade || "none";
  const title = card.score === null ? "no probes" : `score ${card.score}${card.caps.length ? "; " + card.caps.join("; ") : ""}`;
  return el("span", { className: `grade grade-${grade}`, text: card.grade || "–", title });
}

function routeRows(cards, circuits) {
  return cards.map((card) => {
    const senders = Object.entries(card.senders_seen).sort((a, b) => b[1] - a[1]);
    return el("tr", { data: { route: card.route } }, [
      cell(card.route, "nowrap"),
      cell(gradeBadge(card)),
      cell(card.probes, "num"),
      cell(pct(card.delivery_rate), "num"),
      cell(pct(card.sender_preserved_rate), "num"),
      cell(pct(card.text_intact_rate), "num"),
      cell(pct(card.fake_receipt_rate), "num"),
      cell(`${secs(card.handset_delay_p50)} / ${secs(card.handset_delay_p95)}`, "num"),
      cell(`${secs(card.submit_latency_p50)} / ${secs(card.submit_latency_p95)}`, "num"),
      cell(senders.slice(0, 4).map(([sender, n]) => `${sender} ×${n}`).join(", ") || "–"),
      cell(el("span", { className: `state-${circuits[card.route] || "none"}`, text: circuits[card.route] || "–" })),
    ]);
  });
}

// The diff segments of a probe drawn on one side: what was sent (deletions marked) or received
// (insertions marked); "replace" shows on both sides.
function diffSide(segments, side) {
  const span = el("span");
  for (const segment of segments) {
    const text = segment[side];
    if (!text) continue;
    if (segment.op === "equal") span.append(document.createTextNode(text));
    else span.append(el(side === "sent" ? "del" : "ins", { text }));
  }
  return span;
}

function verdictBadges(probe) {
  const box = el("span");
  if (!probe.settled) {
    box.append(el("span", { className: "verdict verdict-open", text: probe.state }));
    return box;
  }
  for (const finding of probe.findings) {
    const kind = GOOD.has(finding.verdict) ? "ok" : WARN.has(finding.verdict) ? "warn" : "bad";
    const detail = finding.detail || {};
    const title = detail.summary || (detail.to ? `now ${detail.to}` : "") || JSON.stringify(detail);
    box.append(el("span", { className: `verdict verdict-${kind}`, text: finding.verdict, title, data: { verdict: finding.verdict } }));
  }
  const summaries = probe.findings.map((finding) => (finding.detail || {}).summary).filter(Boolean);
  if (summaries.length) box.append(el("div", { className: "note muted", text: summaries.join("; ") }));
  return box;
}

function probeRows(probes) {
  return probes.map((probe) => {
    const shown = probe.received_sender;
    const senderCell = el("span", {}, [
      document.createTextNode(`${probe.sent_sender} → `),
      el("span", { className: shown !== null && shown !== probe.sent_sender ? "changed" : "", text: shown ?? "–" }),
    ]);
    const received = probe.received_text === null ? el("span", { className: "muted", text: probe.settled ? "nothing arrived" : "waiting…" }) : diffSide(probe.diff, "received");
    const sent = probe.received_text === null ? el("span", { text: probe.sent_text }) : diffSide(probe.diff, "sent");
    return el("tr", { data: { probe: probe.probe_id, route: probe.route } }, [
      cell(time(probe.submitted_at), "num"),
      cell(probe.route, "nowrap"),
      cell(probe.msisdn),
      cell(senderCell),
      cell(sent, "text sent"),
      cell(received, "text received"),
      cell(verdictBadges(probe)),
      cell(secs(probe.handset_delay), "num"),
    ]);
  });
}

function carrierRows(status) {
  return Object.entries(status.carriers).map(([name, carrier]) =>
    el("tr", { data: { carrier: name } }, [
      cell(name),
      cell(el("span", { className: carrier.bound ? "state-bound" : "state-down", text: `${carrier.bound} / ${carrier.binds}` }), "num"),
      cell(carrier.in_flight, "num"),
      cell(carrier.states.join(", ")),
    ]),
  );
}

function bindRows(status) {
  return Object.entries(status.binds).map(([account, kinds]) =>
    el("tr", {}, [cell(account), cell(Object.entries(kinds).map(([kind, n]) => `${kind} ×${n}`).join(", "))]),
  );
}

function unmatchedRows(reports) {
  return reports.map((report) =>
    el("tr", {}, [cell(time(report.received_at), "num"), cell(report.msisdn), cell(report.sender), cell(report.text, "text")]),
  );
}

async function getJson(path) {
  const response = await fetch(path, { cache: "no-store" });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

async function refresh() {
  try {
    const [cards, probes, status, unmatched] = await Promise.all([
      getJson("/api/v1/scorecards"),
      getJson("/api/v1/probes?limit=25"),
      getJson("/api/v1/status"),
      getJson("/api/v1/handset-reports/unmatched?limit=10"),
    ]);
    fill("routes", routeRows(cards.scorecards, status.routes || {}), "no probe plans and no probes yet");
    fill("probes", probeRows(probes.probes), "no probes yet: smpp-gateway probe --route ROUTE");
    fill("carriers", carrierRows(status), "no carriers");
    fill("binds", bindRows(status), "no client bound");
    fill("unmatched", unmatchedRows(unmatched.reports), "none");
    document.getElementById("window").textContent = `(last ${span(cards.window_seconds)})`;
    const health = document.getElementById("health");
    health.textContent = status.store_healthy ? "store healthy" : "store unavailable: traffic refused";
    health.className = status.store_healthy ? "state-bound" : "state-down";
    document.getElementById("updated").textContent = `Updated ${new Date().toLocaleTimeString()}.`;
    document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
  } catch (error) {
    const health = document.getElementById("health");
    health.textContent = `gateway unreachable: ${error.message}`;
    health.className = "state-down";
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
