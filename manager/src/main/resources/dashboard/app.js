// The ringkv dashboard: draws /api/cluster (the manager's table and the nodes' metrics) every
// second. Plain DOM and SVG, nothing loaded from elsewhere.
"use strict";

const HISTORY = 60; // samples kept for the charts: one minute
const ops = [];
const p99 = [];
const SVG = "http://www.w3.org/2000/svg";

function setAll(node, attributes, text) {
  for (const [key, value] of Object.entries(attributes || {})) {
    node.setAttribute(key, value);
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function svg(name, attributes, text) {
  return setAll(document.createElementNS(SVG, name), attributes, text);
}

function html(name, attributes, text) {
  return setAll(document.createElement(name), attributes, text);
}

function fmt(value, digits) {
  return value === null || value === undefined ? "-" : Number(value).toFixed(digits);
}

function drawRing(cluster) {
  const ring = document.getElementById("ring");
  ring.replaceChildren();
  let angle = -Math.PI / 2;
  for (const node of cluster.nodes) {
    const sweep = 2 * Math.PI * node.ownership;
    const end = angle + sweep;
    const large = sweep > Math.PI ? 1 : 0;
    const [r, inner] = [110, 70];
    const p = (radius, a) => `${(radius * Math.cos(a)).toFixed(2)} ${(radius * Math.sin(a)).toFixed(2)}`;
    const path = `M ${p(r, angle)} A ${r} ${r} 0 ${large} 1 ${p(r, end)} `
      + `L ${p(inner, end)} A ${inner} ${inner} 0 ${large} 0 ${p(inner, angle)} Z`;
    ring.append(svg("path", {
      d: path, "data-node": node.id, "data-state": node.state,
      fill: { UP: "#4caf50", LEAVING: "#fb8c00" }[node.state] || "#e53935", stroke: "#fff",
      "stroke-width": 1.5,
    }, undefined));
    const mid = angle + sweep / 2;
    ring.append(svg("text", {
      x: (125 * Math.cos(mid)).toFixed(1), y: (125 * Math.sin(mid)).toFixed(1),
      "text-anchor": Math.cos(mid) < -0.2 ? "end" : Math.cos(mid) > 0.2 ? "start" : "middle",
    }, node.id));
    angle = end;
  }
  ring.append(svg("text", { x: 0, y: 4, "text-anchor": "middle" }, `epoch ${cluster.epoch}`));
}

function drawChart(id, values) {
  const chart = document.getElementById(id);
  chart.replaceChildren();
  const known = values.filter((v) => v !== null);
  const max = Math.max(1, ...known) * 1.1;
  const points = values.map((v, i) => v === null ? null
    : `${(i * 600 / (HISTORY - 1)).toFixed(1)},${(120 - v / max * 120).toFixed(1)}`)
    .filter((p) => p !== null);
  chart.append(svg("polyline", { points: points.join(" ") }, undefined));
}

function drawNodes(cluster) {
  const rows = cluster.nodes.map((node) => {
    const row = html("tr", { "data-node": node.id, "data-state": node.state });
    const cells = [
      [node.id, ""], [node.address, ""], [node.state, "state"],
      [`${fmt(node.ownership * 100, 1)}%`, "num"], [fmt(node.keys, 0), "num"],
      [fmt(node.hints, 0), "num"],
      [node.caughtUp === null ? "-" : node.caughtUp ? "yes" : "no", ""],
      [fmt(node.opsPerSecond, 0), "num"], [fmt(node.p99Ms, 1), "num"],
    ];
    for (const [text, cls] of cells) {
      row.append(html("td", cls ? { class: cls } : {}, text));
    }
    return row;
  });
  document.getElementById("nodes").replaceChildren(...rows);
}

function remember(series, value) {
  series.push(value);
  while (series.length > HISTORY) {
    series.shift();
  }
}

async function refresh() {
  try {
    const reply = await fetch("/api/cluster", { cache: "no-store" });
    if (!reply.ok) {
      throw new Error(`the manager answered ${reply.status}`);
    }
    const cluster = await reply.json();
    const up = cluster.nodes.filter((n) => n.state === "UP").length;
    document.getElementById("summary").textContent = `cluster ${cluster.clusterId}, epoch `
      + `${cluster.epoch}, replication ${cluster.replication}, ${up} of ${cluster.nodes.length} nodes up`;
    remember(ops, cluster.opsPerSecond);
    remember(p99, cluster.p99Ms);
    document.getElementById("ops-now").textContent = fmt(cluster.opsPerSecond, 0);
    document.getElementById("p99-now").textContent = fmt(cluster.p99Ms, 1);
    drawRing(cluster);
    drawChart("ops-chart", ops);
    drawChart("p99-chart", p99);
    drawNodes(cluster);
  } catch (error) {
    document.getElementById("summary").textContent = `cannot reach the manager: ${error.message}`;
  }
}

refresh();
setInterval(refresh, 1000);
