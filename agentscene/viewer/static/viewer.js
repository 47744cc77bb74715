// agentscene live viewer: draws the scene the server reports, follows changes through server-sent events.
// Coordinates as in agentscene: metres, y up, floor at y = 0, position = bottom centre, yaw in degrees about +y.
import * as THREE from './vendor/three-bundle.min.js';

const { OrbitControls, CSS2DRenderer, CSS2DObject } = THREE;

const $ = (id) => document.getElementById(id);
const stage = $('stage');

// Read by tests and handy in the console: what the page shows right now.
const view = {
  ready: false, mode: null, version: null, objectCount: null, shownTurn: null, updates: 0, frames: 0, problem: null,
};
window.__agentsceneViewer = view;

let live = null;          // last /api/state body
let follow = true;        // slider follows the newest turn
let framedRoom = null;    // floor polygon the camera was framed on

// ---------------------------------------------------------------- drawing backends

// What WebGL this browser has: none (draw a 2D plan instead), software (SwiftShader, llvmpipe:
// skip antialiasing, it costs more than the whole frame) or hardware.
function webglKind() {
  const probe = document.createElement('canvas');
  const gl = probe.getContext('webgl2') || probe.getContext('webgl');
  if (!gl) return 'none';
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const name = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
  const kind = /swiftshader|llvmpipe|software/i.test(name) ? 'software' : 'hardware';
  const lose = gl.getExtension('WEBGL_lose_context');
  if (lose) lose.loseContext();
  return kind;
}

function categoryColor(category) {
  let h = 0;
  for (const ch of category || 'object') h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return new THREE.Color().setHSL((h % 360) / 360, 0.45, 0.62);
}

class ThreeView {
  constructor(container, software) {
    this.container = container;
    this.renderer = new THREE.WebGLRenderer({ antialias: !software, powerPreference: 'low-power' });
    // software WebGL shades every pixel on the CPU: draw at reduced resolution there
    this.renderer.setPixelRatio(software ? 0.6 : Math.min(window.devicePixelRatio || 1, 2));
    this.renderer.setClearColor(0xeef1f5);
    container.appendChild(this.renderer.domElement);
    this.labels = new CSS2DRenderer();
    Object.assign(this.labels.domElement.style, { position: 'absolute', top: '0', left: '0', pointerEvents: 'none' });
    container.appendChild(this.labels.domElement);
    this.scene = new THREE.Scene();
    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x8899aa, 2.2));
    const sun = new THREE.DirectionalLight(0xffffff, 1.4);
    sun.position.set(3, 8, 5);
    this.scene.add(sun);
    this.camera = new THREE.PerspectiveCamera(50, 1, 0.05, 500);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.enableDamping = true;
    this.root = new THREE.Group();
    this.scene.add(this.root);
    this.pending = false;
    this.controls.addEventListener('change', () => this.requestRender());
    this.resize();
    new ResizeObserver(() => this.resize()).observe(container);
  }

  // Draw on demand (a change, a camera move, damping still settling), not sixty times a second:
  // an idle page costs no CPU, which keeps updates quick on software WebGL.
  requestRender() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      const t0 = performance.now();
      const moving = this.controls.update();
      this.renderer.render(this.scene, this.camera);
      this.labels.render(this.scene, this.camera);
      view.frames += 1;
      view.frameMs = performance.now() - t0;
      // the next animation frame starts once this one is on screen: when the page really shows the change
      const drawn = view.updates;
      requestAnimationFrame(() => { if (view.updates === drawn) view.presentedAt = Date.now(); });
      if (moving || view.frames < 3) this.requestRender();
    });
  }

  resize() {
    const w = Math.max(this.container.clientWidth, 1);
    const h = Math.max(this.container.clientHeight, 1);
    this.renderer.setSize(w, h);
    this.labels.setSize(w, h);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.requestRender();
  }

  clear() {
    for (const child of [...this.root.children]) {
      this.root.remove(child);
      child.traverse((o) => {
        if (o.geometry) o.geometry.dispose();
        if (o.material) o.material.dispose();
        // a label's element lives in the DOM, and 'removed' fires only on the detached group itself
        if (o.isCSS2DObject && o.element.parentNode) o.element.remove();
      });
    }
  }

  frame(room) {
    const xs = room.floor.map((p) => p[0]);
    const zs = room.floor.map((p) => p[1]);
    const cx = (Math.min(...xs) + Math.max(...xs)) / 2;
    const cz = (Math.min(...zs) + Math.max(...zs)) / 2;
    const span = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...zs) - Math.min(...zs), room.height, 1);
    this.controls.target.set(cx, room.height * 0.25, cz);
    this.camera.position.set(cx + span * 0.75, span * 1.05 + room.height, cz + span * 1.0);
    this.controls.update();
    this.requestRender();
  }

  draw(scene, flagged) {
    this.clear();
    const room = scene.room;
    const shape = new THREE.Shape(room.floor.map(([x, z]) => new THREE.Vector2(x, -z)));
    const floor = new THREE.Mesh(new THREE.ShapeGeometry(shape),
      new THREE.MeshLambertMaterial({ color: 0xd9d4ca, side: THREE.DoubleSide, }));
    floor.rotation.x = -Math.PI / 2;
    this.root.add(floor);
    const n = room.floor.length;
    for (let i = 0; i < n; i++) {
      const [x0, z0] = room.floor[i];
      const [x1, z1] = room.floor[(i + 1) % n];
      const length = Math.hypot(x1 - x0, z1 - z0);
      const wall = new THREE.Mesh(new THREE.PlaneGeometry(length, room.height),
        new THREE.MeshLambertMaterial({ color: 0xb8c2d0, transparent: true, opacity: 0.18, side: THREE.DoubleSide, depthWrite: false }));
      wall.position.set((x0 + x1) / 2, room.height / 2, (z0 + z1) / 2);
      wall.rotation.y = -Math.atan2(z1 - z0, x1 - x0);
      this.root.add(wall);
    }
    const outline = [];
    for (let i = 0; i < n; i++) {
      const [x0, z0] = room.floor[i];
      const [x1, z1] = room.floor[(i + 1) % n];
      outline.push(x0, 0.001, z0, x1, 0.001, z1, x0, room.height, z0, x1, room.height, z1, x0, 0, z0, x0, room.height, z0);
    }
    const outlineGeometry = new THREE.BufferGeometry();
    outlineGeometry.setAttribute('position', new THREE.Float32BufferAttribute(outline, 3));
    this.root.add(new THREE.LineSegments(outlineGeometry, new THREE.LineBasicMaterial({ color: 0x5b6678 })));

    for (const obj of scene.objects) {
      const [w, h, d] = obj.size;
      const bad = flagged.has(obj.id);
      const group = new THREE.Group();
      group.position.set(obj.position[0], obj.position[1], obj.position[2]);
      group.rotation.y = (obj.yaw || 0) * Math.PI / 180;
      const color = bad ? new THREE.Color(0xe53935) : categoryColor(obj.category);
      const box = new THREE.Mesh(new THREE.BoxGeometry(w, h, d),
        new THREE.MeshLambertMaterial({ color, transparent: true, opacity: 0.92 }));
      box.position.y = h / 2;
      group.add(box);
      const edges = new THREE.LineSegments(new THREE.EdgesGeometry(box.geometry), new THREE.LineBasicMaterial({ color: 0x344054 }));
      edges.position.y = h / 2;
      group.add(edges);
      // a dark strip on the front face (+z in the object's frame) shows which way it faces
      const front = new THREE.Mesh(new THREE.BoxGeometry(w * 0.8, Math.min(h, 0.08), 0.02),
        new THREE.MeshBasicMaterial({ color: 0x1d2939 }));
      front.position.set(0, h * 0.5, d / 2 + 0.011);
      group.add(front);
      const tag = document.createElement('div');
      tag.className = bad ? 'label flagged' : 'label';
      tag.textContent = obj.id;
      tag.dataset.objectId = obj.id;
      const label = new CSS2DObject(tag);
      label.position.set(0, h + 0.08, 0);
      group.add(label);
      this.root.add(group);
    }
    this.requestRender();
  }
}

// A top-down plan on a 2D canvas, for browsers without WebGL.
class PlanView {
  constructor(container) {
    this.container = container;
    this.canvas = document.createElement('canvas');
    container.appendChild(this.canvas);
    this.scene = null;
    this.flagged = new Set();
    new ResizeObserver(() => this.paint()).observe(container);
  }

  frame() {}

  draw(scene, flagged) {
    this.scene = scene;
    this.flagged = flagged;
    this.paint();
    view.frames += 3;
  }

  paint() {
    const w = Math.max(this.container.clientWidth, 1);
    const h = Math.max(this.container.clientHeight, 1);
    this.canvas.width = w;
    this.canvas.height = h;
    const g = this.canvas.getContext('2d');
    g.fillStyle = '#eef1f5';
    g.fillRect(0, 0, w, h);
    if (!this.scene) return;
    const floor = this.scene.room.floor;
    const xs = floor.map((p) => p[0]);
    const zs = floor.map((p) => p[1]);
    const x0 = Math.min(...xs); const z0 = Math.min(...zs);
    const s = Math.min((w - 40) / Math.max(Math.max(...xs) - x0, 0.1), (h - 40) / Math.max(Math.max(...zs) - z0, 0.1));
    const px = (x, z) => [20 + (x - x0) * s, 20 + (z - z0) * s];   // +x right, +z down, as in the top render
    g.beginPath();
    floor.forEach(([x, z], i) => (i ? g.lineTo(...px(x, z)) : g.moveTo(...px(x, z))));
    g.closePath();
    g.fillStyle = '#d9d4ca'; g.fill();
    g.strokeStyle = '#5b6678'; g.lineWidth = 2; g.stroke();
    g.font = '11px monospace';
    for (const obj of this.scene.objects) {
      const [bw, , bd] = obj.size;
      const a = (obj.yaw || 0) * Math.PI / 180;
      const corners = [[-bw / 2, -bd / 2], [bw / 2, -bd / 2], [bw / 2, bd / 2], [-bw / 2, bd / 2]].map(([lx, lz]) =>
        px(obj.position[0] + lx * Math.cos(a) + lz * Math.sin(a), obj.position[2] - lx * Math.sin(a) + lz * Math.cos(a)));
      g.beginPath();
      corners.forEach((c, i) => (i ? g.lineTo(...c) : g.moveTo(...c)));
      g.closePath();
      g.fillStyle = this.flagged.has(obj.id) ? '#e53935' : `#${categoryColor(obj.category).getHexString()}`;
      g.fill(); g.strokeStyle = '#344054'; g.lineWidth = 1; g.stroke();
      const [cx, cz] = px(obj.position[0], obj.position[2]);
      g.fillStyle = '#101828';
      g.fillText(obj.id, cx + 3, cz - 3);
    }
  }
}

const gpu = webglKind();
const drawer = gpu === 'none' ? new PlanView(stage) : new ThreeView(stage, gpu === 'software');
view.mode = gpu === 'none' ? 'plan' : '3d';
view.webgl = gpu;

// ---------------------------------------------------------------- side panel

function fmt(v, digits = 2) {
  return Array.isArray(v) ? v.map((x) => Number(x).toFixed(digits)).join(', ') : Number(v).toFixed(digits);
}

function flaggedIds(report) {
  const ids = new Set();
  const r = report && report.available ? report.report || {} : {};
  for (const p of r.colliding_pairs || []) { ids.add(p.a); ids.add(p.b); }
  for (const o of r.out_of_bounds || []) if (o.oob) ids.add(o.id);
  for (const o of r.floating || []) ids.add(o.id);
  return ids;
}

function showRoom(scene) {
  const room = scene.room;
  let area = 0;
  room.floor.forEach(([x0, z0], i) => {
    const [x1, z1] = room.floor[(i + 1) % room.floor.length];
    area += x0 * z1 - x1 * z0;
  });
  $('room-type').textContent = room.room_type;
  $('room-area').textContent = `${Math.abs(area / 2).toFixed(1)} m², ${room.floor.length} walls`;
  $('room-height').textContent = `${Number(room.height).toFixed(2)} m`;
  $('object-count').textContent = String(scene.objects.length);
}

function showObjects(scene, flagged) {
  const body = $('objects').querySelector('tbody');
  body.replaceChildren(...scene.objects.map((o) => {
    const tr = document.createElement('tr');
    if (flagged.has(o.id)) tr.className = 'flagged';
    for (const text of [o.id, fmt(o.size), fmt(o.position), `${fmt(o.yaw, 0)}°`]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.appendChild(td);
    }
    tr.title = o.description || '';
    return tr;
  }));
}

function showPhysics(report, metrics) {
  const box = $('physics');
  box.replaceChildren();
  const rows = report && report.available ? report.headline : metrics;
  if (rows && Object.keys(rows).length) {
    for (const [k, v] of Object.entries(rows)) {
      const row = document.createElement('div');
      row.className = 'metric';
      const name = document.createElement('span'); name.textContent = k;
      const value = document.createElement('span'); value.textContent = typeof v === 'number' ? fmt(v, 3) : JSON.stringify(v);
      row.append(name, value);
      box.appendChild(row);
    }
  }
  if (report && report.available && report.feedback) {
    const pre = document.createElement('pre');
    pre.textContent = report.feedback;
    box.appendChild(pre);
  } else if (report && !report.available) {
    const note = document.createElement('p');
    note.className = 'note';
    note.textContent = report.reason;
    box.appendChild(note);
  }
}

function showTurn(turn) {
  const calls = $('turn-calls');
  calls.replaceChildren();
  const renders = $('turn-renders');
  renders.replaceChildren();
  if (!turn) return;
  turn.tool_calls.forEach((call, i) => {
    const result = turn.results[i] || {};
    const div = document.createElement('div');
    div.className = result.ok === false ? 'call error' : 'call';
    const args = call.arguments !== undefined ? call.arguments : (call.function || {}).arguments;
    const name = call.name || (call.function || {}).name || '?';
    div.textContent = `${name}(${typeof args === 'string' ? args : JSON.stringify(args)})\n→ ${result.message || ''}`;
    calls.appendChild(div);
  });
  if (turn.problem) {
    const p = document.createElement('p');
    p.className = 'note';
    p.textContent = turn.problem;
    calls.appendChild(p);
  }
  for (const name of turn.renders || []) {
    const img = document.createElement('img');
    img.alt = `turn ${turn.turn} ${name}`;
    img.src = `/api/render/${turn.turn}/${name}?v=${encodeURIComponent(view.version)}`;
    renders.appendChild(img);
  }
}

function setStatus(text, problem = false) {
  const el = $('status');
  el.textContent = text;
  el.className = problem ? 'problem' : '';
}

function display(scene, report, metrics, turnNumber) {
  const flagged = flaggedIds(report);
  const floorKey = JSON.stringify(scene.room.floor) + scene.room.height;
  if (framedRoom !== floorKey) {
    drawer.frame(scene.room);
    framedRoom = floorKey;
  }
  drawer.draw(scene, flagged);
  showRoom(scene);
  showObjects(scene, flagged);
  showPhysics(report, metrics);
  view.objectCount = scene.objects.length;
  view.shownTurn = turnNumber;
  view.updates += 1;
  view.lastDrawAt = Date.now();
  document.body.dataset.objectCount = String(scene.objects.length);
}

// ---------------------------------------------------------------- data

async function getJSON(url) {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok && response.status !== 404) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

async function showSelectedTurn() {
  const slider = $('turn-slider');
  const number = Number(slider.value);
  $('turn-label').textContent = `${number} of ${live.turns[live.turns.length - 1]}`;
  const turn = await getJSON(`/api/turn/${number}`);
  if (turn.problem && !turn.scene && turn.turn === undefined) {
    setStatus(turn.problem, true);
    return;
  }
  showTurn(turn);
  if (!follow && turn.scene) display(turn.scene, turn.report, turn.metrics, number);
}

async function refresh() {
  const started = performance.now();
  const state = await getJSON('/api/state');
  const fetched = performance.now();
  live = state;
  view.version = state.version;
  $('title').textContent = state.name;
  document.title = `${state.name} · agentscene`;
  if (state.problem) {
    view.problem = state.problem;
    setStatus(state.problem, true);
    return;
  }
  view.problem = null;
  const history = $('history');
  if (state.turns.length) {
    history.hidden = false;
    const slider = $('turn-slider');
    slider.min = String(state.turns[0]);
    slider.max = String(state.turns[state.turns.length - 1]);
    if (follow) slider.value = slider.max;
  }
  if (follow) display(state.scene, state.report, {}, state.turns.length ? state.turns[state.turns.length - 1] : null);
  view.lastRefresh = { fetchMs: fetched - started, drawMs: performance.now() - fetched };
  if (state.turns.length) await showSelectedTurn();
  setStatus(`${view.live === false ? 'snapshot' : follow ? 'live' : 'history'} · updated ${new Date().toLocaleTimeString()}`);
  view.ready = true;
}

let refreshing = null;
let again = false;
function scheduleRefresh() {
  // one refresh at a time; a change during a refresh triggers exactly one more
  if (refreshing) { again = true; return; }
  refreshing = refresh()
    .catch((err) => setStatus(`cannot reach the viewer server (${err.message})`, true))
    .finally(() => {
      refreshing = null;
      if (again) { again = false; scheduleRefresh(); }
    });
}

$('turn-slider').addEventListener('input', () => {
  follow = $('turn-slider').value === $('turn-slider').max;
  $('follow').checked = follow;
  if (follow) scheduleRefresh(); else showSelectedTurn().catch((err) => setStatus(err.message, true));
});
$('follow').addEventListener('change', () => {
  follow = $('follow').checked;
  scheduleRefresh();
});

// ?live=0 draws once and keeps no connection open, so the page finishes loading: headless
// screenshots (`agentscene view --screenshot`, Chromium's --virtual-time-budget) wait for that.
if (new URLSearchParams(location.search).get('live') === '0') {
  view.live = false;
  scheduleRefresh();
} else {
  view.live = true;
  const events = new EventSource('/api/events');
  events.addEventListener('change', () => { view.lastEventAt = Date.now(); scheduleRefresh(); });
  events.addEventListener('error', () => setStatus('reconnecting to the viewer server…', true));
}
