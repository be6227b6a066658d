// The demo page: reads window results and job statistics from GET /results (Server-Sent Events) and
// draws views per country per window with uPlot, the watermark as a vertical line, pane timings and
// late-event counts. EventSource reconnects by itself and sends Last-Event-ID, so a server restart
// only resumes the stream; results are kept by window, so a re-sent result just overwrites itself.
"use strict";

const COUNTRIES = ["US", "IN", "BR", "DE", "FR", "JP", "GB", "NG"];
const COLORS = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];
const WINDOWS_SHOWN = 30;

/** window end (ms) → country → { value, index, timing } */
const windows = new Map();
let watermark = null;
let dirty = false;

const $ = (id) => document.getElementById(id);
const time = (ms) => new Date(ms).toLocaleTimeString([], { hour12: false });

function chartWidth() {
  return Math.max(480, Math.min(960, globalThis.innerWidth - 420));
}

const chart = new uPlot(
  {
    width: chartWidth(),
    height: 380,
    scales: {
      x: {
        time: true,
        // The last five minutes of windows, and at least one minute, so a single window is not drawn as years.
        range: (_u, min, max) => [Math.max(min, max - 300) - 5, Math.max(max, min + 60) + 15],
      },
    },
    axes: [{}, { label: "views per 10 s window", size: 60 }],
    series: [
      { label: "window end" },
      ...COUNTRIES.map((c, i) => ({
        label: c,
        stroke: COLORS[i],
        width: 2,
        points: { show: true, size: 5 },
        spanGaps: false,
      })),
    ],
    hooks: {
      // The watermark, as a dashed vertical line: windows that end left of it have fired on time.
      draw: [(u) => {
        if (watermark === null) return;
        const x = u.valToPos(watermark / 1000, "x", true);
        if (!(x >= u.bbox.left && x <= u.bbox.left + u.bbox.width)) return;
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = "#111827";
        ctx.setLineDash([6, 4]);
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.fillStyle = "#111827";
        ctx.font = "12px system-ui";
        ctx.fillText("watermark", x + 4, u.bbox.top + 14);
        ctx.restore();
      }],
    },
  },
  [[], ...COUNTRIES.map(() => [])],
  $("chart"),
);
globalThis.addEventListener("resize", () => chart.setSize({ width: chartWidth(), height: 380 }));
// Read by the page test: how many points the chart holds.
globalThis.weirChart = chart;

function redraw() {
  dirty = false;
  const ends = [...windows.keys()].sort((a, b) => a - b).slice(-WINDOWS_SHOWN);
  for (const e of windows.keys()) if (e < ends[0]) windows.delete(e);
  const data = [ends.map((e) => e / 1000)];
  for (const c of COUNTRIES) data.push(ends.map((e) => windows.get(e).get(c)?.value ?? null));
  chart.setData(data);
}

function schedule() {
  if (!dirty) {
    dirty = true;
    requestAnimationFrame(redraw);
  }
}

function addPaneRow(r) {
  const row = document.createElement("tr");
  const cells = [r.key, `${time(r.window.start)}–${time(r.window.end)}`, String(r.value)];
  for (const text of cells) {
    const td = document.createElement("td");
    td.textContent = text;
    row.append(td);
  }
  const td = document.createElement("td");
  td.className = "pane";
  const badge = document.createElement("span");
  badge.className = r.pane.timing;
  badge.textContent = `${r.pane.timing} #${r.pane.index}${r.pane.isFinal ? " final" : ""}`;
  td.append(badge);
  row.append(td);
  const body = $("pane-rows");
  body.prepend(row);
  while (body.rows.length > 14) body.deleteRow(body.rows.length - 1);
}

function onResult(event) {
  const r = JSON.parse(event.data);
  let byCountry = windows.get(r.window.end);
  if (byCountry === undefined) windows.set(r.window.end, byCountry = new Map());
  // Panes accumulate, so the latest pane of a window carries its whole count.
  const seen = byCountry.get(r.key);
  if (seen === undefined || seen.index <= r.pane.index) {
    byCountry.set(r.key, { value: r.value, index: r.pane.index, timing: r.pane.timing });
  }
  addPaneRow(r);
  schedule();
}

function onStats(event) {
  const s = JSON.parse(event.data);
  const job = s.job;
  $("accepted").textContent = s.ingest.acceptedEvents.toLocaleString();
  $("pending").textContent = `${s.ingest.pending} waiting for the job`;
  if (job === null) return;
  if (typeof job.watermark === "number") {
    watermark = job.watermark;
    $("watermark").textContent = time(job.watermark);
    $("lag").textContent = `${((s.now - job.watermark) / 1000).toFixed(1)} s behind the clock`;
  }
  $("late").textContent = job.lateEvents.toLocaleString();
  $("panes-early").textContent = job.panes.early;
  $("panes-on-time").textContent = job.panes["on-time"];
  $("panes-late").textContent = job.panes.late;
  $("checkpoint").textContent = job.lastCheckpointAt
    ? `${((s.now - job.lastCheckpointAt) / 1000).toFixed(1)} s ago`
    : "–";
  schedule();
}

const source = new EventSource("/results");
source.addEventListener("open", () => void ($("connection").textContent = "live"));
source.addEventListener("error", () => void ($("connection").textContent = "reconnecting…"));
source.addEventListener("result", onResult);
source.addEventListener("stats", onStats);
