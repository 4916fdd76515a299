// evasim live broadcast page: telemetry and helmet-camera frames over WebSockets.
"use strict";

const $ = (id) => document.getElementById(id);
const wsBase = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
const earth = new Image();
earth.src = "/api/earth.jpg";

let track = null;
let state = null;
let latest = null; // last telemetry message
let mapBase = null; // offscreen canvas: Earth + full ground track
const taskRows = {}; // role -> [{el, bar, start, end}]

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

const ms = (iso) => Date.parse(iso);
const pad = (n) => String(n).padStart(2, "0");

function hms(seconds) {
  const s = Math.floor(Math.abs(seconds));
  const h = Math.floor(s / 3600);
  return `${h}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

function hhmm(iso) {
  return iso.slice(11, 16);
}

// ---------------------------------------------------------------------------------------------
async function init() {
  [state, track] = await Promise.all([
    fetch("/api/state").then((r) => r.json()),
    fetch("/api/track").then((r) => r.json()),
  ]);
  $("title").textContent = state.title;
  $("hatch").textContent = `hatch ${hhmm(state.hatch_open_utc)}–${hhmm(state.hatch_close_utc)} UTC`;
  buildVideos();
  buildTasks();
  buildDayBar();
  buildOperator();
  if (earth.complete) buildMapBase();
  else earth.addEventListener("load", () => { buildMapBase(); drawMap(); });
  earth.addEventListener("error", () => { buildMapBase(); drawMap(); });
  window.addEventListener("resize", () => { buildMapBase(); drawMap(); });
  connectTelemetry();
}

// -- helmet cameras ---------------------------------------------------------------------------
function buildVideos() {
  const box = $("videos");
  box.replaceChildren();
  for (const member of state.crew) {
    const panel = el("div", "panel cam");
    const head = el("div", "cam-head");
    head.append(el("span", `cam-role ${member.role.toLowerCase()}`, member.role));
    head.append(el("span", "cam-name", `${member.name} · helmet camera`));
    const view = el("div", "cam-view");
    const img = el("img", "video");
    img.id = `video-${member.role}`;
    img.alt = `${member.role} helmet camera`;
    img.dataset.frames = "0";
    view.append(img, el("div", "cam-wait", "waiting for video…"));
    const task = el("div", "cam-task", "—");
    task.id = `cam-task-${member.role}`;
    panel.append(head, view, task);
    box.append(panel);
    connectVideo(member.role, img, panel);
  }
}

function connectVideo(role, img, panel) {
  const ws = new WebSocket(`${wsBase}/ws/video/${encodeURIComponent(role)}`);
  ws.binaryType = "blob";
  let shown = null;
  let loading = false;
  let pending = null;
  const show = (blob) => {
    loading = true;
    const url = URL.createObjectURL(blob);
    img.onload = () => {
      if (shown) URL.revokeObjectURL(shown);
      shown = url;
      img.dataset.frames = String(Number(img.dataset.frames) + 1);
      panel.classList.add("live");
      loading = false;
      if (pending) { const next = pending; pending = null; show(next); }
    };
    img.onerror = () => { URL.revokeObjectURL(url); loading = false; };
    img.src = url;
  };
  ws.onmessage = (ev) => {
    if (loading) pending = ev.data; // keep only the newest frame while one decodes
    else show(ev.data);
  };
  ws.onclose = (ev) => {
    if (ev.code !== 1008) setTimeout(() => connectVideo(role, img, panel), 2000);
  };
}

// -- telemetry --------------------------------------------------------------------------------
function connectTelemetry() {
  const ws = new WebSocket(`${wsBase}/ws/telemetry`);
  ws.onopen = () => $("live-dot").classList.add("on");
  ws.onmessage = (ev) => {
    try { latest = JSON.parse(ev.data); } catch { return; }
    update(latest);
  };
  ws.onclose = (ev) => {
    $("live-dot").classList.remove("on");
    if (ev.code !== 1008) setTimeout(connectTelemetry, 2000);
  };
}

function update(t) {
  $("clock").textContent = t.utc.slice(11, 19);
  $("date").textContent = `${t.utc.slice(0, 10)} · ${state.scenario}`;
  const before = t.eva_elapsed_s < 0;
  $("elapsed-label").textContent = before ? "UNTIL HATCH OPEN" : "EVA ELAPSED";
  $("elapsed").textContent = `${before ? "T−" : "+"}${hms(t.eva_elapsed_s)}`;
  $("speed").textContent = `×${t.speed}`;
  $("paused").hidden = !t.paused;
  const light = $("light");
  const lit = t.sunlit;
  light.textContent = lit >= 0.999 ? "DAYLIGHT" : lit <= 0.001 ? "NIGHT" : `PENUMBRA ${Math.round(lit * 100)}%`;
  light.className = `light ${lit > 0.5 ? "day" : "night"}`;
  $("position").textContent = `${fmtLat(t.lat)} ${fmtLon(t.lon)} · ${t.alt_km.toFixed(1)} km`;
  $("roll").textContent = `${t.roll.toFixed(2)}°`;
  $("pitch").textContent = `${t.pitch.toFixed(2)}°`;
  $("yaw").textContent = `${t.yaw.toFixed(2)}°`;
  updateNextEdge(t);
  updateDayBar(t);
  updateTasks(t);
  updateLinks(t.links);
  drawHorizon(t.roll, t.pitch);
  drawMap();
}

const fmtLat = (v) => `${Math.abs(v).toFixed(2)}°${v >= 0 ? "N" : "S"}`;
const fmtLon = (v) => `${Math.abs(v).toFixed(2)}°${v >= 0 ? "E" : "W"}`;

// -- day/night bar ----------------------------------------------------------------------------
function buildDayBar() {
  const bar = $("daybar");
  const t0 = ms(track.start_utc);
  const t1 = ms(track.end_utc);
  const frac = (t) => Math.min(Math.max((t - t0) / (t1 - t0), 0), 1);
  const edges = track.edges.map((e) => ({ t: ms(e.utc), kind: e.kind })).sort((a, b) => a.t - b.t);
  const firstAfter = edges.find((e) => e.t > t0);
  const lastBefore = [...edges].reverse().find((e) => e.t <= t0);
  let day = lastBefore ? lastBefore.kind === "sunrise" : firstAfter ? firstAfter.kind === "sunset" : true;
  let from = t0;
  const add = (a, b, isDay) => {
    if (b <= a) return;
    const seg = el("div", `seg ${isDay ? "day" : "night"}`);
    seg.style.left = `${frac(a) * 100}%`;
    seg.style.width = `${(frac(b) - frac(a)) * 100}%`;
    bar.append(seg);
  };
  for (const e of edges) {
    if (e.t <= t0 || e.t >= t1) continue;
    add(from, e.t, day);
    from = e.t;
    day = e.kind === "sunrise";
  }
  add(from, t1, day);
  const eva = el("div", "eva");
  eva.style.left = `${frac(ms(track.hatch_open_utc)) * 100}%`;
  eva.style.width = `${(frac(ms(track.hatch_close_utc)) - frac(ms(track.hatch_open_utc))) * 100}%`;
  eva.title = "spacewalk (hatch open to hatch closed)";
  bar.append(eva);
  $("daybar-start").textContent = `${hhmm(track.start_utc)} UTC`;
  $("daybar-end").textContent = `${hhmm(track.end_utc)} UTC`;
}

function updateDayBar(t) {
  const t0 = ms(track.start_utc);
  const t1 = ms(track.end_utc);
  const f = Math.min(Math.max((ms(t.utc) - t0) / (t1 - t0), 0), 1);
  $("daybar-cursor").style.left = `${f * 100}%`;
}

function updateNextEdge(t) {
  const now = ms(t.utc);
  const next = track.edges.find((e) => ms(e.utc) > now);
  $("light-next").textContent = next
    ? `${next.kind} in ${hms((ms(next.utc) - now) / 1000)}`
    : "—";
}

// -- tasks ------------------------------------------------------------------------------------
function buildTasks() {
  const box = $("tasks");
  box.replaceChildren();
  for (const member of state.crew) {
    const group = el("div", "crew-tasks");
    const title = el("h3");
    title.append(el("span", `cam-role ${member.role.toLowerCase()}`, member.role), ` ${member.name}`);
    group.append(title);
    taskRows[member.role] = [];
    for (const task of track.tasks.filter((x) => x.role === member.role)) {
      const row = el("div", "task");
      const line = el("div", "task-line");
      const name = el("span", "task-name", task.name + (task.estimated ? " *" : ""));
      name.title = `${task.name} — ${task.worksite}${task.estimated ? " (estimated time)" : ""}`;
      line.append(name, el("span", "task-time", `${hhmm(task.start_utc)}–${hhmm(task.end_utc)}`));
      const bar = el("div", "bar");
      const fill = el("i");
      bar.append(fill);
      row.append(line, bar);
      group.append(row);
      taskRows[member.role].push({ row, fill, start: ms(task.start_utc), end: ms(task.end_utc) });
    }
    box.append(group);
  }
}

function updateTasks(t) {
  const now = ms(t.utc);
  for (const [role, rows] of Object.entries(taskRows)) {
    for (const r of rows) {
      const p = Math.min(Math.max((now - r.start) / (r.end - r.start), 0), 1);
      r.fill.style.width = `${(p * 100).toFixed(1)}%`;
      r.row.className = `task ${now >= r.end ? "done" : now >= r.start ? "active" : ""}`;
    }
    const active = t.tasks[role];
    const cam = $(`cam-task-${role}`);
    if (cam) {
      cam.textContent = active
        ? `▶ ${active.name} · ${Math.round(active.progress * 100)}%`
        : t.eva_elapsed_s < 0 ? "inside the station" : "—";
    }
  }
}

function updateLinks(links) {
  $("links-sum").textContent = `${links.connected}/${links.total} connected`;
  const list = $("links");
  if (list.dataset.key === JSON.stringify(links.links)) return;
  list.dataset.key = JSON.stringify(links.links);
  list.replaceChildren();
  for (const x of links.links) {
    const li = el("li");
    li.append(el("span", "", `${x.from} → ${x.to} ${x.kind}`), el("span", `st ${x.state}`, x.state));
    list.append(li);
  }
}

// -- map --------------------------------------------------------------------------------------
function sizeCanvas(canvas, aspect) {
  const dpr = Math.min(window.devicePixelRatio || 1, 2);
  const w = Math.max(Math.round(canvas.clientWidth * dpr), 200);
  const h = Math.round(w / aspect);
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  return [w, h];
}

const X = (lon, w) => ((lon + 180) / 360) * w;
const Y = (lat, h) => ((90 - lat) / 180) * h;

function tracePath(ctx, points, w, h) {
  ctx.beginPath();
  let prev = null;
  for (const [lat, lon] of points) {
    if (prev === null || Math.abs(lon - prev) > 180) ctx.moveTo(X(lon, w), Y(lat, h));
    else ctx.lineTo(X(lon, w), Y(lat, h));
    prev = lon;
  }
}

function buildMapBase() {
  if (!track) return;
  const canvas = $("map");
  const [w, h] = sizeCanvas(canvas, 2);
  mapBase = document.createElement("canvas");
  mapBase.width = w;
  mapBase.height = h;
  const ctx = mapBase.getContext("2d");
  ctx.fillStyle = "#0a1830";
  ctx.fillRect(0, 0, w, h);
  if (earth.complete && earth.naturalWidth) ctx.drawImage(earth, 0, 0, w, h);
  ctx.strokeStyle = "rgba(255,255,255,0.08)";
  ctx.lineWidth = 1;
  for (let lon = -180; lon <= 180; lon += 30) {
    ctx.beginPath(); ctx.moveTo(X(lon, w), 0); ctx.lineTo(X(lon, w), h); ctx.stroke();
  }
  for (let lat = -60; lat <= 60; lat += 30) {
    ctx.beginPath(); ctx.moveTo(0, Y(lat, h)); ctx.lineTo(w, Y(lat, h)); ctx.stroke();
  }
  ctx.strokeStyle = "rgba(255,255,255,0.35)";
  ctx.lineWidth = Math.max(1, w / 900);
  ctx.setLineDash([4, 4]);
  tracePath(ctx, track.points, w, h);
  ctx.stroke();
  ctx.setLineDash([]);
}

function drawTerminator(ctx, w, h, sunLat, sunLon) {
  const dec = (Math.max(Math.abs(sunLat), 0.01) * Math.sign(sunLat || 1) * Math.PI) / 180;
  ctx.beginPath();
  const steps = 180;
  for (let i = 0; i <= steps; i++) {
    const lon = -180 + (360 * i) / steps;
    const ha = ((lon - sunLon) * Math.PI) / 180;
    const lat = (Math.atan(-Math.cos(ha) / Math.tan(dec)) * 180) / Math.PI;
    if (i === 0) ctx.moveTo(X(lon, w), Y(lat, h));
    else ctx.lineTo(X(lon, w), Y(lat, h));
  }
  // night is on the pole away from the Sun's declination
  const edge = dec > 0 ? h : 0;
  ctx.lineTo(w, edge);
  ctx.lineTo(0, edge);
  ctx.closePath();
  ctx.fillStyle = "rgba(0, 4, 20, 0.62)";
  ctx.fill();
  ctx.strokeStyle = "rgba(255, 220, 120, 0.35)";
  ctx.lineWidth = 1;
  ctx.stroke();
}

function drawMap() {
  const canvas = $("map");
  if (!mapBase || !track) return;
  const [w, h] = sizeCanvas(canvas, 2);
  if (mapBase.width !== w) buildMapBase();
  const ctx = canvas.getContext("2d");
  ctx.drawImage(mapBase, 0, 0, w, h);
  if (!latest) return;
  drawTerminator(ctx, w, h, latest.subsolar[0], latest.subsolar[1]);
  // past track in the EVA colour
  const t0 = ms(track.start_utc);
  const k = Math.floor((ms(latest.utc) - t0) / 1000 / track.step_s) + 1;
  const past = track.points.slice(0, Math.max(k, 0));
  past.push([latest.lat, latest.lon]);
  ctx.strokeStyle = "#ffcc33";
  ctx.lineWidth = Math.max(1.5, w / 500);
  tracePath(ctx, past, w, h);
  ctx.stroke();
  // subsolar point
  const sx = X(latest.subsolar[1], w);
  const sy = Y(latest.subsolar[0], h);
  ctx.fillStyle = "#ffe066";
  ctx.beginPath(); ctx.arc(sx, sy, Math.max(4, w / 160), 0, 2 * Math.PI); ctx.fill();
  // station
  const x = X(latest.lon, w);
  const y = Y(latest.lat, h);
  const r = Math.max(5, w / 120);
  ctx.fillStyle = "#ffffff";
  ctx.strokeStyle = "#4fc3f7";
  ctx.lineWidth = Math.max(2, w / 400);
  ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
  ctx.font = `${Math.max(11, Math.round(w / 70))}px system-ui, sans-serif`;
  ctx.fillStyle = "#ffffff";
  ctx.fillText("ISS", x + r + 4, y - r);
}

// -- attitude ---------------------------------------------------------------------------------
function drawHorizon(roll, pitch) {
  const canvas = $("horizon");
  const [w, h] = sizeCanvas(canvas, 1);
  const ctx = canvas.getContext("2d");
  const c = w / 2;
  ctx.save();
  ctx.clearRect(0, 0, w, h);
  ctx.beginPath(); ctx.arc(c, c, c, 0, 2 * Math.PI); ctx.clip();
  ctx.translate(c, c);
  ctx.rotate((-roll * Math.PI) / 180);
  const shift = (pitch / 45) * c; // 45 deg of pitch per radius
  ctx.fillStyle = "#1e5f99";
  ctx.fillRect(-2 * w, -2 * h + shift, 4 * w, 2 * h);
  ctx.fillStyle = "#6b4a2b";
  ctx.fillRect(-2 * w, shift, 4 * w, 2 * h);
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = Math.max(1, w / 100);
  ctx.beginPath(); ctx.moveTo(-w, shift); ctx.lineTo(w, shift); ctx.stroke();
  ctx.lineWidth = Math.max(1, w / 200);
  ctx.fillStyle = "#fff";
  ctx.font = `${Math.round(w / 14)}px system-ui, sans-serif`;
  for (const p of [-20, -10, 10, 20]) {
    const yy = shift - (p / 45) * c;
    const half = c * (Math.abs(p) === 10 ? 0.18 : 0.3);
    ctx.beginPath(); ctx.moveTo(-half, yy); ctx.lineTo(half, yy); ctx.stroke();
    ctx.fillText(String(Math.abs(p)), half + 4, yy + w / 40);
  }
  ctx.restore();
  ctx.strokeStyle = "#ffb74d";
  ctx.lineWidth = Math.max(2, w / 60);
  ctx.beginPath();
  ctx.moveTo(c - c * 0.5, c); ctx.lineTo(c - c * 0.15, c); ctx.lineTo(c, c + c * 0.1);
  ctx.lineTo(c + c * 0.15, c); ctx.lineTo(c + c * 0.5, c);
  ctx.stroke();
}

// -- operator ---------------------------------------------------------------------------------
function buildOperator() {
  const form = $("op-form");
  form.addEventListener("submit", (ev) => ev.preventDefault());
  for (const button of form.querySelectorAll("button[data-action]")) {
    button.addEventListener("click", async () => {
      const action = button.dataset.action;
      const body = { action };
      if (action === "speed") body.speed = Number($("op-speed").value);
      if (action === "seek") body.utc = $("op-utc").value.trim();
      const r = await fetch("/api/control", {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${$("op-token").value}` },
        body: JSON.stringify(body),
      });
      const reply = await r.json().catch(() => ({}));
      $("op-msg").textContent = r.ok ? `${action}: ok` : `${action}: ${r.status} ${JSON.stringify(reply.detail ?? "")}`;
    });
  }
}

init().catch((err) => {
  $("title").textContent = `failed to load: ${err}`;
});
