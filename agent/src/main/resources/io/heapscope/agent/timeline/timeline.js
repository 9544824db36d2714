"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("heapscope-data").textContent);
  const app = document.getElementById("app");
  const POOL_COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
  const RUN_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];
  const tip = el("div", { id: "tip" });
  document.body.appendChild(tip);

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") e.textContent = v;
      else if (k === "style") e.style.cssText = v;
      else e.setAttribute(k, v);
    }
    for (const k of kids) if (k != null) e.appendChild(typeof k === "string" ? document.createTextNode(k) : k);
    return e;
  }
  function bytes(n) {
    if (n == null) return "";
    const u = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0, v = Math.abs(n);
    while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    return (n < 0 ? "-" : "") + (i === 0 ? v.toFixed(0) : v.toFixed(v < 10 ? 2 : 1)) + " " + u[i];
  }
  function num(n) { return n == null ? "" : Number(n).toLocaleString("en-US"); }
  function xfmt(run, x) { return run.xUnit === "event" ? "event " + num(Math.round(x)) : x.toFixed(1) + " " + run.xUnit; }

  // ------------------------------------------------------------------------------------------------ header
  const runs = DATA.runs;
  const summary = el("div", { id: "summary" });
  summary.appendChild(el("p", { class: "note", text: "Source: " + DATA.source + ". " + runs.length + " run(s); generated " + DATA.generated + "." }));
  const evs = r => r.outcome && r.outcome.events != null ? num(r.outcome.events) + " replayed events (" + num(r.events) + " allocator events)" : num(r.events) + " allocator events";
  const ds = runs.map(r => r.label + ": " + evs(r) + " drawn as " + num(r.columns) + " columns (each column shows the moment of highest in-use bytes within it, and the highest reserved)").join("; ");
  summary.appendChild(el("p", { class: "note", id: "downsampled", text: "Downsampled for drawing: " + ds + ". Allocator state is shown at " + runs.map(r => r.snapshots.length).join("/") + " snapshot moments (evenly spaced, first failure, end)." }));
  document.getElementById("loading").remove();
  app.appendChild(summary);

  // ------------------------------------------------------------------------------------------------ outcomes
  if (runs.some(r => r.outcome && r.outcome.setting)) {
    app.appendChild(el("h2", { text: "Settings side by side" }));
    const t = el("table", { id: "outcomes" });
    t.appendChild(el("tr", {}, el("th", { text: "setting" }), el("th", { text: "outcome" }), el("th", { class: "n", text: "peak reserved" }),
      el("th", { class: "n", text: "peak in use" }), el("th", { class: "n", text: "heaps created" }), el("th", { class: "n", text: "GC passes" }),
      el("th", { class: "n", text: "high watermark" }), el("th", { class: "n", text: "low watermark" })));
    for (const r of runs) {
      const o = r.outcome;
      t.appendChild(el("tr", { class: "outcome" }, el("td", { text: o.setting }),
        el("td", { class: o.out_of_memory ? "oom" : "ok", text: o.out_of_memory ? "out of memory at event " + num(o.first_oom_event) + " (" + num(o.ooms) + " failed allocations)" : "fits" }),
        el("td", { class: "n", text: bytes(o.peak_reserved_bytes) }), el("td", { class: "n", text: bytes(o.peak_in_use_bytes) }),
        el("td", { class: "n", text: num(o.heaps_created) }), el("td", { class: "n", text: num(o.gc_passes) }),
        el("td", { class: "n", text: bytes(o.high_watermark_bytes) }), el("td", { class: "n", text: bytes(o.low_watermark_bytes) })));
    }
    app.appendChild(t);
    if (runs.length > 1) {
      app.appendChild(el("h3", { text: "Reserved (solid) and in use (dashed) per setting: where the settings diverge" }));
      const lg = el("div", { class: "legend" });
      runs.forEach((r, i) => lg.appendChild(el("span", { class: "series line", "data-series": "run:" + r.label, style: "--c:" + RUN_COLORS[i % RUN_COLORS.length], text: r.label })));
      app.appendChild(lg);
      const c = el("canvas", { class: "chart overview", id: "overview" });
      app.appendChild(c);
      overviewChart(c);
    }
  }

  runs.forEach((run, ri) => renderRun(run, ri));
  document.body.setAttribute("data-render-ms", String(Math.round(performance.now())));
  document.body.setAttribute("data-ready", "1");

  // ------------------------------------------------------------------------------------------------ drawing
  function setup(canvas, h) {
    const w = Math.max(600, Math.min(1400, (document.documentElement.clientWidth || 1200) - 60));
    const dpr = window.devicePixelRatio || 1;
    canvas.width = w * dpr; canvas.height = h * dpr;
    canvas.style.width = w + "px"; canvas.style.height = h + "px";
    const g = canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    return { g, w, h, left: 70, right: 10, top: 10, bottom: 24 };
  }
  function axes(f, xMin, xMax, yMax, unit) {
    const { g, w, h, left, right, top, bottom } = f;
    g.strokeStyle = "#c9cedb"; g.fillStyle = "#5a6275"; g.font = "11px system-ui, sans-serif"; g.lineWidth = 1;
    g.beginPath(); g.moveTo(left, top); g.lineTo(left, h - bottom); g.lineTo(w - right, h - bottom); g.stroke();
    for (let i = 0; i <= 4; i++) {
      const y = h - bottom - (h - top - bottom) * i / 4;
      g.fillText(bytes(yMax * i / 4), 4, y + 4);
      g.strokeStyle = "#eceef4"; g.beginPath(); g.moveTo(left + 1, y); g.lineTo(w - right, y); g.stroke();
    }
    for (let i = 0; i <= 5; i++) {
      const xv = xMin + (xMax - xMin) * i / 5;
      const x = left + (w - left - right) * i / 5;
      g.fillText(unit === "event" ? num(Math.round(xv)) : xv.toFixed(0) + " " + unit, Math.min(x - 10, w - 60), h - 6);
    }
  }
  function sx(f, run, x) { return f.left + (f.w - f.left - f.right) * (x - run.xMin) / (run.xMax - run.xMin || 1); }
  function sy(f, v, yMax) { return f.h - f.bottom - (f.h - f.top - f.bottom) * v / (yMax || 1); }

  function overviewChart(canvas) {
    const f = setup(canvas, 260);
    let yMax = 1;
    for (const r of runs) { for (const v of r.reserved) yMax = Math.max(yMax, v); yMax = Math.max(yMax, r.highWatermark || 0); }
    yMax *= 1.05;
    axes(f, runs[0].xMin, runs[0].xMax, yMax, runs[0].xUnit);
    runs.forEach((r, i) => {
      const col = RUN_COLORS[i % RUN_COLORS.length];
      const inUse = totalInUse(r);
      f.g.strokeStyle = col; f.g.lineWidth = 1.5;
      line(f, r, r.reserved, yMax, []);
      line(f, r, inUse, yMax, [4, 3]);
      for (const fl of r.failures) { const x = sx(f, r, fl.x); f.g.fillStyle = col; f.g.fillRect(x - 1, f.top, 2, 8); }
    });
  }
  function line(f, r, vals, yMax, dash) {
    const g = f.g; g.setLineDash(dash); g.beginPath();
    for (let j = 0; j < vals.length; j++) { const x = sx(f, r, r.x[j]), y = sy(f, vals[j], yMax); j ? g.lineTo(x, y) : g.moveTo(x, y); }
    g.stroke(); g.setLineDash([]);
  }
  function totalInUse(r) {
    const t = new Array(r.x.length).fill(0);
    for (const v of Object.values(r.pools)) for (let j = 0; j < t.length; j++) t[j] += v[j];
    return t;
  }
  function stacked(f, r, series, yMax, colors) {
    const g = f.g, n = r.x.length, base = new Array(n).fill(0);
    Object.entries(series).forEach(([name, vals], k) => {
      g.fillStyle = colors[k % colors.length]; g.globalAlpha = 0.85; g.beginPath();
      for (let j = 0; j < n; j++) { const x = sx(f, r, r.x[j]), y = sy(f, base[j] + vals[j], yMax); j ? g.lineTo(x, y) : g.moveTo(x, y); }
      for (let j = n - 1; j >= 0; j--) g.lineTo(sx(f, r, r.x[j]), sy(f, base[j], yMax));
      g.closePath(); g.fill(); g.globalAlpha = 1;
      for (let j = 0; j < n; j++) base[j] += vals[j];
    });
    return base;
  }

  function renderRun(r, ri) {
    const sec = el("section", { class: "run", id: "run-" + ri, "data-label": r.label });
    app.appendChild(sec);
    sec.appendChild(el("h2", { text: r.label }));
    sec.appendChild(el("p", { class: "note", text: num(r.events) + " allocator events; peak reserved " + bytes(r.peakReserved) + ", peak in use " + bytes(r.peakInUse) + "; " + num(r.gcCount) + " GC passes, " + num(r.failureCount) + " allocation failures, " + r.pressure.length + " memory-pressure intervals." }));
    // live memory per pool
    sec.appendChild(el("h3", { text: "Live memory per pool, reserved memory, watermark limits" }));
    const lg = el("div", { class: "legend" });
    Object.keys(r.pools).forEach((p, k) => lg.appendChild(el("span", { class: "series", "data-series": p, style: "--c:" + POOL_COLORS[k % POOL_COLORS.length], text: p })));
    lg.appendChild(el("span", { class: "series line", "data-series": "reserved", style: "--c:#1d2330", text: "reserved" }));
    if (r.highWatermark > 0) lg.appendChild(el("span", { class: "series line", "data-series": "high watermark", style: "--c:#b3261e", text: "high watermark " + bytes(r.highWatermark) }));
    if (r.lowWatermark > 0) lg.appendChild(el("span", { class: "series line", "data-series": "low watermark", style: "--c:#a86400", text: "low watermark " + bytes(r.lowWatermark) }));
    lg.appendChild(el("span", { class: "series", "data-series": "memory pressure", style: "--c:rgba(255,170,0,.25)", text: "memory pressure" }));
    lg.appendChild(el("span", { class: "series line", "data-series": "gc", style: "--c:#6b4fbb", text: "GC pass" }));
    lg.appendChild(el("span", { class: "series line", "data-series": "allocation failure", style: "--c:#b3261e", text: "allocation failure" }));
    sec.appendChild(lg);
    const c = el("canvas", { class: "chart pools" });
    sec.appendChild(c);
    const f = setup(c, 300);
    let yMax = 1;
    for (const v of r.reserved) yMax = Math.max(yMax, v);
    yMax = Math.max(yMax, r.lowWatermark || 0, Math.min(r.highWatermark || 0, yMax * 3)) * 1.05;
    axes(f, r.xMin, r.xMax, yMax, r.xUnit);
    f.g.fillStyle = "rgba(255,170,0,.18)";
    for (const [a, b] of r.pressure) f.g.fillRect(sx(f, r, a), f.top, Math.max(1, sx(f, r, b) - sx(f, r, a)), f.h - f.top - f.bottom);
    const inUse = stacked(f, r, r.pools, yMax, POOL_COLORS);
    f.g.strokeStyle = "#1d2330"; f.g.lineWidth = 1.5; line(f, r, r.reserved, yMax, []);
    for (const [v, col] of [[r.highWatermark, "#b3261e"], [r.lowWatermark, "#a86400"]]) {
      if (v > 0 && v <= yMax) { f.g.strokeStyle = col; f.g.setLineDash([6, 4]); f.g.beginPath(); f.g.moveTo(f.left, sy(f, v, yMax)); f.g.lineTo(f.w - f.right, sy(f, v, yMax)); f.g.stroke(); f.g.setLineDash([]); }
    }
    f.g.strokeStyle = "#6b4fbb"; f.g.lineWidth = 1;
    for (const gc of r.gc) { const x = sx(f, r, gc.x); f.g.beginPath(); f.g.moveTo(x, f.h - f.bottom); f.g.lineTo(x, f.h - f.bottom - 10); f.g.stroke(); }
    f.g.fillStyle = "#b3261e";
    for (const fl of r.failures) { const x = sx(f, r, fl.x); f.g.beginPath(); f.g.moveTo(x, f.top); f.g.lineTo(x - 4, f.top + 8); f.g.lineTo(x + 4, f.top + 8); f.g.fill(); }
    const markers = el("ul", { class: "markers" });
    for (const fl of r.failures.slice(0, 100)) markers.appendChild(el("li", { class: "marker failure", text: "allocation failure at " + xfmt(r, fl.x) + ": " + bytes(fl.size) + " in " + fl.pool + (fl.message ? " (" + fl.message.slice(0, 160) + ")" : "") }));
    for (const [a, b] of r.pressure.slice(0, 100)) markers.appendChild(el("li", { class: "marker pressure", text: "memory pressure from " + xfmt(r, a) + " to " + xfmt(r, b) }));
    for (const gc of r.gc.slice(0, 100)) markers.appendChild(el("li", { class: "marker gc", text: "GC pass at " + xfmt(r, gc.x) + " in " + gc.pool + ": " + num(gc.freed) + " buffers, " + bytes(gc.bytes) }));
    if (markers.childNodes.length) sec.appendChild(markers);
    hover(c, f, r, j => xfmt(r, r.x[j]) + "\nreserved " + bytes(r.reserved[j]) + "\nin use " + bytes(inUse[j]) + Object.entries(r.pools).map(([p, v]) => "\n  " + p + " " + bytes(v[j])).join(""));
    // frameworks
    if (Object.keys(r.frameworks).length) {
      sec.appendChild(el("h3", { text: "Live memory per framework (agent)" }));
      const lf = el("div", { class: "legend" });
      Object.keys(r.frameworks).forEach((p, k) => lf.appendChild(el("span", { class: "series framework", "data-series": "framework:" + p, style: "--c:" + POOL_COLORS[(k + 5) % POOL_COLORS.length], text: p })));
      sec.appendChild(lf);
      const cf = el("canvas", { class: "chart frameworks" });
      sec.appendChild(cf);
      const ff = setup(cf, 200);
      let fm = 1;
      const tot = new Array(r.x.length).fill(0);
      for (const v of Object.values(r.frameworks)) for (let j = 0; j < tot.length; j++) tot[j] += v[j];
      for (const v of tot) fm = Math.max(fm, v);
      fm *= 1.05;
      axes(ff, r.xMin, r.xMax, fm, r.xUnit);
      stacked(ff, r, r.frameworks, fm, POOL_COLORS.slice(5).concat(POOL_COLORS.slice(0, 5)));
    }
    // state at a chosen moment
    sec.appendChild(el("h3", { text: "Allocator state at a chosen moment (click the chart or move the slider)" }));
    const ctl = el("div", { class: "state-controls" });
    const slider = el("input", { type: "range", min: "0", max: String(Math.max(0, r.snapshots.length - 1)), value: String(Math.max(0, r.snapshots.length - 1)), class: "snapshot" });
    const label = el("span", { class: "snapshot-label" });
    ctl.appendChild(slider); ctl.appendChild(label);
    sec.appendChild(ctl);
    sec.appendChild(el("div", { class: "legend" },
      el("span", { class: "series", "data-series": "in use", style: "--c:#4e79a7", text: "in use" }),
      el("span", { class: "series", "data-series": "cached", style: "--c:#9fd39b", text: "cached (free in the pool, reusable)" }),
      el("span", { class: "series", "data-series": "unallocated", style: "--c:#eceef4", text: "heap space not carved into buffers" })));
    sec.appendChild(el("p", { class: "note", text: "Buffers are placed by their offset from the lowest buffer address seen in their heap (heap events carry no base address). Pending-free buffers (freed but still held by the device) are shown as in use." }));
    const sc = el("canvas", { class: "state" });
    sec.appendChild(sc);
    const heapTable = el("table", { class: "heaps" });
    sec.appendChild(heapTable);
    function showSnapshot(k) {
      const s = r.snapshots[k];
      if (!s) return;
      slider.value = String(k);
      label.textContent = (s.why ? s.why + ", " : "") + xfmt(r, s.x) + ": reserved " + bytes(s.reserved) + ", in use " + bytes(s.inUse) + ", " + s.heaps.length + " heaps";
      drawState(sc, s);
      heapTable.textContent = "";
      heapTable.appendChild(el("tr", {}, el("th", { text: "heap" }), el("th", { text: "pool" }), el("th", { class: "n", text: "size" }), el("th", { class: "n", text: "in use" }), el("th", { class: "n", text: "cached" }), el("th", { class: "n", text: "buffers" })));
      for (const h of s.heaps.slice(0, 40)) {
        let u = 0, cch = 0;
        for (let i = 0; i < h.b.length; i += 3) { if (h.b[i + 2] === 0) u += h.b[i + 1]; else cch += h.b[i + 1]; }
        heapTable.appendChild(el("tr", { class: "heap" }, el("td", { text: "#" + h.id }), el("td", { text: h.pool }), el("td", { class: "n", text: bytes(h.size) }), el("td", { class: "n", text: bytes(u) }), el("td", { class: "n", text: bytes(cch) }), el("td", { class: "n", text: num(h.b.length / 3) })));
      }
    }
    slider.addEventListener("input", () => showSnapshot(+slider.value));
    c.addEventListener("click", ev => {
      const rect = c.getBoundingClientRect();
      const x = r.xMin + (ev.clientX - rect.left - f.left) / (f.w - f.left - f.right) * (r.xMax - r.xMin);
      let best = 0;
      r.snapshots.forEach((s, k) => { if (Math.abs(s.x - x) < Math.abs(r.snapshots[best].x - x)) best = k; });
      showSnapshot(best);
    });
    // #snapshot=K in the address opens every run at its K-th state snapshot (default: the end)
    const wanted = /(?:^#|&)snapshot=(\d+)/.exec(location.hash);
    showSnapshot(wanted ? Math.min(+wanted[1], r.snapshots.length - 1) : r.snapshots.length - 1);
    // sites
    sec.appendChild(el("h3", { text: "Top allocation sites (first application frame)" }));
    const cols = el("div", { class: "cols" });
    cols.appendChild(siteTable("by live bytes at the end", "sites-live", r.sites.slice().sort((a, b) => b.live - a.live).filter(s => s.live > 0).slice(0, 15), "live"));
    cols.appendChild(siteTable("by peak live bytes", "sites-peak", r.sites.slice(0, 15), "peak"));
    sec.appendChild(cols);
    if (!r.sites.length) sec.appendChild(el("p", { class: "note", text: "No allocation sites in this source (no stack traces recorded)." }));
    sec.appendChild(el("h3", { text: "Leak candidates" }));
    sec.appendChild(el("p", { class: "note", text: "Sites with allocations made in the first half of the run (by event count) and still live at the end, holding at least half their peak." }));
    if (r.leaks.length) {
      const lt = el("table", { class: "leaks" });
      lt.appendChild(el("tr", {}, el("th", { text: "site" }), el("th", { class: "n", text: "old live bytes" }), el("th", { class: "n", text: "allocations" }), el("th", { text: "oldest" })));
      for (const l of r.leaks.slice(0, 20)) lt.appendChild(el("tr", { class: "leak" }, el("td", {}, siteDetails(l)), el("td", { class: "n", text: bytes(l.bytes) }), el("td", { class: "n", text: num(l.count) }), el("td", { text: xfmt(r, l.since) })));
      sec.appendChild(lt);
    } else sec.appendChild(el("p", { class: "note no-leaks", text: "None." }));
  }
  function siteDetails(s) {
    return el("details", {}, el("summary", { class: "site", text: s.name }), el("pre", { text: s.stack || "(no stack)" }));
  }
  function siteTable(title, cls, sites, key) {
    const d = el("div", {});
    d.appendChild(el("div", { class: "note", text: title }));
    const t = el("table", { class: cls });
    t.appendChild(el("tr", {}, el("th", { text: "site" }), el("th", { class: "n", text: key === "live" ? "live" : "peak" }), el("th", { class: "n", text: "allocations" })));
    for (const s of sites) t.appendChild(el("tr", { class: "site-row" }, el("td", {}, siteDetails(s)), el("td", { class: "n", text: bytes(s[key]) }), el("td", { class: "n", text: num(s.allocations) })));
    d.appendChild(t);
    return d;
  }
  function drawState(canvas, s) {
    const heaps = s.heaps.slice(0, 60);
    const rowH = 14, h = Math.max(40, heaps.length * (rowH + 4) + 20);
    const f = setup(canvas, h);
    const g = f.g;
    let maxSize = 1;
    for (const hp of heaps) maxSize = Math.max(maxSize, hp.size);
    const W = f.w - 170;
    g.font = "11px system-ui, sans-serif";
    heaps.forEach((hp, i) => {
      const y = 10 + i * (rowH + 4), w = W * hp.size / maxSize;
      g.fillStyle = "#5a6275"; g.fillText("#" + hp.id + " " + hp.pool.replace("_", " ").toLowerCase(), 4, y + 11);
      g.fillStyle = "#eceef4"; g.fillRect(160, y, Math.max(1, w), rowH);
      for (let k = 0; k < hp.b.length; k += 3) {
        const x = 160 + W * hp.b[k] / maxSize, bw = Math.max(1, W * hp.b[k + 1] / maxSize);
        g.fillStyle = hp.b[k + 2] === 0 ? "#4e79a7" : "#9fd39b";
        g.fillRect(x, y, bw, rowH);
      }
      g.strokeStyle = "#9aa1b2"; g.strokeRect(160, y, Math.max(1, w), rowH);
    });
    if (s.heaps.length > heaps.length) { g.fillStyle = "#5a6275"; g.fillText("... and " + (s.heaps.length - heaps.length) + " more heaps", 4, h - 4); }
  }
  function hover(canvas, f, r, text) {
    canvas.addEventListener("mousemove", ev => {
      const rect = canvas.getBoundingClientRect();
      const x = r.xMin + (ev.clientX - rect.left - f.left) / (f.w - f.left - f.right) * (r.xMax - r.xMin);
      let lo = 0, hi = r.x.length - 1;
      while (lo < hi) { const m = (lo + hi) >> 1; if (r.x[m] < x) lo = m + 1; else hi = m; }
      if (!r.x.length) return;
      tip.textContent = text(lo); tip.style.display = "block";
      tip.style.left = (ev.clientX + 14) + "px"; tip.style.top = (ev.clientY + 10) + "px";
    });
    canvas.addEventListener("mouseleave", () => { tip.style.display = "none"; });
  }
})();
