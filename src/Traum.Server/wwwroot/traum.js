// Traum web UI: audio playback, waveform drawing and uploads. Everything else is rendered by the server.
window.traum = (() => {
  const audio = new Audio();
  audio.preload = "none";
  let current = null; // { id, ref, canvas }
  const peaks = new Map(); // "id:buckets" -> Promise<peaks>

  // ── Project tempo and key: set once in the header, kept in this browser, used by every player. ──
  const PROJECT = "traum.project";
  // Stems are stretched between half and twice their own tempo (the server's TimeStretch.MinRatio/MaxRatio).
  const MIN_RATIO = 0.5, MAX_RATIO = 2;

  function project() {
    try {
      const p = JSON.parse(localStorage.getItem(PROJECT) || "{}");
      const tempo = Number(p.tempo);
      return { tempo: tempo >= 20 && tempo <= 300 ? tempo : null, key: typeof p.key === "string" && p.key ? p.key : null, on: !!p.on };
    } catch { return { tempo: null, key: null, on: false }; }
  }

  function setProject(p) {
    localStorage.setItem(PROJECT, JSON.stringify(p));
    showProject();
  }

  function showProject() {
    const p = project(), t = document.getElementById("project-tempo"), k = document.getElementById("project-key"), on = document.getElementById("project-on");
    if (!t || !k || !on) return;
    if (document.activeElement !== t) t.value = p.tempo === null ? "" : String(p.tempo);
    k.value = p.key || "";
    on.checked = p.on;
    on.disabled = p.tempo === null && p.key === null;
    t.closest(".project").classList.toggle("on", p.on && !on.disabled);
  }

  function bindProject() {
    const t = document.getElementById("project-tempo"), k = document.getElementById("project-key"), on = document.getElementById("project-on");
    if (!t || t._bound) { showProject(); return; }
    t._bound = true;
    const save = turnOn => {
      const p = project(), v = t.value.trim() === "" ? null : Number(t.value);
      const tempo = v !== null && v >= 20 && v <= 300 ? v : null;
      t.setCustomValidity(v !== null && tempo === null ? "Give a tempo between 20 and 300 BPM." : "");
      if (v !== null && tempo === null) { t.reportValidity(); return; }
      // Setting a tempo or key for the first time switches playing at it on.
      const on2 = turnOn && !p.on && p.tempo === null && p.key === null ? true : p.on;
      setProject({ tempo, key: k.value || null, on: on2 });
    };
    t.addEventListener("change", () => save(true));
    k.addEventListener("change", () => save(true));
    on.addEventListener("change", () => { const p = project(); p.on = on.checked; setProject(p); note(""); });
    window.addEventListener("storage", e => { if (e.key === PROJECT) showProject(); });
    showProject();
  }

  function note(text) {
    const n = document.getElementById("project-note");
    if (!n) return;
    n.textContent = text;
    clearTimeout(n._timer);
    if (text) n._timer = setTimeout(() => { n.textContent = ""; }, 6000);
  }

  // Where stem `id` plays from, and what the header says about it: the stem as it is, or stretched and shifted to the project
  // tempo and key (its play button carries the stem's tempo and key; a track's lanes carry the track's, sent as from/fromKey).
  function audioSource(id) {
    const base = `/api/stems/${id}/audio`, p = project();
    if (!p.on || (p.tempo === null && p.key === null)) return { url: base, text: "" };
    const b = document.querySelector(`button[data-play="${id}"]`), d = b ? b.dataset : {};
    const name = d.name ? `“${d.name}”` : "This stem";
    const q = new URLSearchParams(), said = [], not = [];
    const bpm = Number(d.bpm) || null;
    if (p.tempo !== null) {
      if (bpm === null) not.push("has no tempo, so it plays at its own speed");
      else if (p.tempo / bpm < MIN_RATIO || p.tempo / bpm > MAX_RATIO) not.push(`is at ${bpm} BPM, too far from ${p.tempo} to stretch, so it plays at its own speed`);
      else { q.set("tempo", String(p.tempo)); if (d.shared) q.set("from", String(bpm)); if (Math.abs(p.tempo - bpm) > 0.01) said.push(`${bpm} → ${p.tempo} BPM`); }
    }
    if (p.key !== null) {
      if (!d.key) not.push("has no key, so it keeps its pitch");
      else { q.set("key", p.key); if (d.shared) q.set("fromKey", d.key); if (d.key !== p.key) said.push(`${d.key} → ${p.key}`); }
    }
    const text = not.length ? `${name} ${not.join("; it ")}.` : said.length ? `${name}: ${said.join(", ")}` : "";
    const qs = q.toString();
    return { url: qs ? `${base}?${qs}` : base, text };
  }

  function css(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

  function fetchPeaks(id, buckets) {
    const key = id + ":" + buckets;
    if (!peaks.has(key)) {
      peaks.set(key, fetch(`/api/stems/${id}/peaks?buckets=${buckets}`, { credentials: "same-origin" })
        .then(r => r.ok ? r.json() : null).catch(() => null));
    }
    return peaks.get(key);
  }

  // The part of the stem a canvas shows: zoom 1 is all of it; zoom z shows 1/z of it from offset (fractions of the length).
  function view(canvas) {
    const z = canvas._zoom || 1;
    return { zoom: z, offset: Math.min(Math.max(0, canvas._offset || 0), 1 - 1 / z) };
  }

  function draw(canvas, p, progress) {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
    const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    const g = canvas.getContext("2d");
    g.clearRect(0, 0, w, h);
    if (!p) return;
    const n = p.min.length, mid = h / 2;
    const { zoom, offset } = view(canvas);
    const x = f => (f - offset) * zoom * w; // a fraction of the stem → a pixel
    const played = x(progress);
    let top = 0;
    for (let i = 0; i < n; i++) top = Math.max(top, Math.abs(p.min[i]), Math.abs(p.max[i]));
    // Lanes of one group (a track's stems) share one scale, so their levels compare; cards fill their height.
    canvas._top = top;
    const ref = canvas.dataset.group ? (canvas._groupTop || top) : top;
    const scale = ref > 0 ? (mid - 2) / ref : 0;
    const colour = getComputedStyle(canvas).getPropertyValue("--kind").trim() || css("--accent");
    const i0 = Math.max(0, Math.floor(offset * n)), i1 = Math.min(n, Math.ceil((offset + 1 / zoom) * n));
    const barW = w / ((i1 - i0) || 1);
    for (let i = i0; i < i1; i++) {
      const bx = x(i / n);
      const y1 = mid - p.max[i] * scale, y2 = mid - p.min[i] * scale;
      g.fillStyle = colour;
      g.globalAlpha = bx < played ? 1 : 0.5;
      g.fillRect(bx, Math.min(y1, y2), Math.max(1, barW - (barW > 3 ? 1 : 0)), Math.max(1, Math.abs(y2 - y1)));
    }
    g.globalAlpha = 1;
    if (progress > 0 && played >= 0 && played <= w) { g.fillStyle = css("--text"); g.fillRect(played, 0, Math.max(1, dpr), h); }
    if (canvas._cue > 0) { g.fillStyle = css("--focus"); g.fillRect(x(canvas._cue), 0, Math.max(1, dpr), h); }
    canvas.dataset.zoom = String(zoom);
  }

  function progressOf(canvas) {
    return current && current.canvas === canvas && audio.duration ? audio.currentTime / audio.duration : 0;
  }

  async function wave(canvas, id) {
    if (!canvas) return;
    const buckets = Math.min(4096, Math.max(32, Math.round(canvas.clientWidth / 3 * view(canvas).zoom)));
    const p = await fetchPeaks(id, buckets);
    canvas._peaks = p;
    canvas._stem = id;
    draw(canvas, p, progressOf(canvas));
    const group = canvas.dataset.group;
    if (group) {
      const members = Array.from(document.querySelectorAll("canvas.wave")).filter(c => c.dataset.group === group && c._peaks);
      const groupTop = Math.max(...members.map(c => c._top || 0));
      for (const c of members) {
        c._groupTop = groupTop;
        draw(c, c._peaks, progressOf(c));
      }
    }
    if (!canvas._seek) {
      canvas._seek = true;
      // Click: seek there while this stem plays, else play it from there.
      canvas.addEventListener("click", ev => {
        if (!canvas._stem) return;
        const r = canvas.getBoundingClientRect();
        const { zoom: z, offset } = view(canvas);
        const f = Math.min(1, Math.max(0, offset + (ev.clientX - r.left) / r.width / z));
        if (mix.playing && mix.buffers.has(canvas._stem)) { mixSeek(f * mix.buffers.get(canvas._stem).duration); return; }
        if (current && current.id === canvas._stem && audio.duration) {
          current.canvas = canvas;
          audio.currentTime = f * audio.duration;
          return;
        }
        canvas._cue = f;
        draw(canvas, canvas._peaks, 0);
        const button = document.querySelector(`button[data-play="${canvas._stem}"]`);
        if (button) button.click();
      });
      // Ctrl + wheel zooms around the pointer.
      canvas.addEventListener("wheel", ev => {
        if (!ev.ctrlKey) return;
        ev.preventDefault();
        const r = canvas.getBoundingClientRect();
        zoom(canvas, ev.deltaY < 0 ? 2 : 0.5, (ev.clientX - r.left) / r.width);
      }, { passive: false });
    }
  }

  // Zooms a waveform by `factor` (2 = twice as close) keeping the point at `at` (0…1 across the canvas; default the centre) in place.
  async function zoom(canvas, factor, at) {
    if (!canvas || !canvas._stem) return;
    const { zoom: z0, offset: o0 } = view(canvas);
    const z = Math.min(64, Math.max(1, z0 * factor));
    const pos = at === undefined ? 0.5 : at;
    const anchor = o0 + pos / z0;
    canvas._zoom = z;
    canvas._offset = Math.min(Math.max(0, anchor - pos / z), 1 - 1 / z);
    await wave(canvas, canvas._stem);
  }

  // Shows stem `id` in a preview canvas (the library list's); a new stem starts unzoomed.
  async function preview(canvas, id) {
    if (!canvas) return;
    if (canvas._stem !== id) { canvas._zoom = 1; canvas._offset = 0; canvas._cue = 0; }
    await wave(canvas, id);
    if (current && current.id === id && !current.canvas) current.canvas = canvas;
  }

  // ── Track player: every stem of a track in sync through Web Audio, with mute and solo. ──
  const mix = { ctx: null, ids: [], buffers: new Map(), urls: new Map(), sources: new Map(), gains: new Map(), mute: new Set(), solo: new Set(), playing: false, startedAt: 0, offset: 0, starts: [], ref: null };

  function audible(id) { return mix.solo.size > 0 ? mix.solo.has(id) : !mix.mute.has(id); }
  function applyGains() { for (const [id, g] of mix.gains) g.gain.value = audible(id) ? 1 : 0; }
  function mixPosition() { return mix.playing ? mix.ctx.currentTime - mix.startedAt + mix.offset : mix.offset; }
  function mixLength() { let n = 0; for (const b of mix.buffers.values()) n = Math.max(n, b.duration); return n; }

  async function load(id) {
    const { url, text } = audioSource(id);
    if (text) note(text);
    if (mix.buffers.has(id) && mix.urls.get(id) === url) return;
    const r = await fetch(url, { credentials: "same-origin" });
    if (!r.ok) throw new Error(`stem ${id}: ${r.status}`);
    mix.buffers.set(id, await mix.ctx.decodeAudioData(await r.arrayBuffer()));
    mix.urls.set(id, url);
  }

  function startAll(offset) {
    for (const s of mix.sources.values()) { s.onended = null; try { s.stop(); } catch { /* not started */ } }
    mix.sources.clear();
    mix.gains.clear();
    const at = mix.ctx.currentTime + 0.05;
    mix.starts = [];
    let ended = 0;
    for (const id of mix.ids) {
      const src = mix.ctx.createBufferSource(), gain = mix.ctx.createGain();
      src.buffer = mix.buffers.get(id);
      src.connect(gain).connect(mix.ctx.destination);
      src.onended = () => { if (++ended === mix.ids.length) mixStop(); };
      mix.sources.set(id, src);
      mix.gains.set(id, gain);
      src.start(at, Math.min(offset, src.buffer.duration));
      mix.starts.push(at);
    }
    applyGains();
    mix.startedAt = at;
    mix.offset = offset;
    mix.playing = true;
  }

  // Plays stems `ids` together from `offset` seconds; `ref.MixStopped` is told when they end or stop.
  async function mixPlay(ids, ref, offset) {
    stop();
    mix.ctx = mix.ctx || new AudioContext();
    if (mix.ctx.state === "suspended") await mix.ctx.resume();
    mix.ids = ids.slice();
    mix.ref = ref;
    await Promise.all(mix.ids.map(load));
    startAll(offset || 0);
    return true;
  }

  function mixSeek(seconds) { if (mix.playing) startAll(Math.max(0, Math.min(seconds, mixLength()))); }

  function mixStop() {
    if (!mix.playing) return;
    mix.offset = 0;
    mix.playing = false;
    for (const s of mix.sources.values()) { s.onended = null; try { s.stop(); } catch { /* not started */ } }
    mix.sources.clear();
    for (const id of mix.ids) { const c = document.querySelector(`canvas.wave[data-stem="${id}"]`); if (c && c._peaks) draw(c, c._peaks, 0); }
    if (mix.ref) mix.ref.invokeMethodAsync("MixStopped").catch(() => { });
  }

  function mixMute(id, on) { if (on) mix.mute.add(id); else mix.mute.delete(id); applyGains(); }
  function mixSolo(id, on) { if (on) mix.solo.add(id); else mix.solo.delete(id); applyGains(); }

  // For display and tests: whether the track plays, where (s), when each source started (context s) and each gain.
  function mixState() {
    const gains = {};
    for (const [id, g] of mix.gains) gains[id] = g.gain.value;
    return { playing: mix.playing, position: mixPosition(), starts: mix.starts.slice(), ids: mix.ids.slice(), gains, audible: mix.ids.filter(audible) };
  }

  function tick() {
    if (mix.playing) {
      const t = mixPosition();
      for (const id of mix.ids) {
        const c = document.querySelector(`canvas.wave[data-stem="${id}"]`), b = mix.buffers.get(id);
        if (c && c._peaks && b) draw(c, c._peaks, Math.min(1, t / b.duration));
      }
    }
    if (current && current.canvas && current.canvas._peaks && !audio.paused) {
      const c = current.canvas, f = audio.currentTime / (audio.duration || 1), { zoom: z, offset } = view(c);
      // Zoomed in, the view turns the page when the playhead leaves it.
      if (z > 1 && (f < offset || f > offset + 1 / z)) { c._offset = Math.min(f, 1 - 1 / z); wave(c, c._stem); }
      draw(c, c._peaks, f);
    }
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);

  function stop() {
    if (!current) return;
    const c = current;
    current = null;
    audio.pause();
    if (c.canvas && c.canvas._peaks) draw(c.canvas, c.canvas._peaks, 0);
    c.ref.invokeMethodAsync("Stopped").catch(() => { });
  }

  audio.addEventListener("ended", stop);
  audio.addEventListener("error", stop);

  // Starts playing stem `id` (stopping whatever played); returns false when it stopped it instead.
  // A canvas given plays the playhead; without one, the library's preview does when it shows this stem.
  function toggle(id, ref, canvas) {
    if (current && current.id === id) { stop(); return false; }
    stop();
    mixStop();
    if (!canvas) {
      const pv = document.querySelector("canvas[data-preview]");
      if (pv && pv._stem === id) canvas = pv;
    }
    current = { id, ref, canvas };
    const cue = canvas && canvas._stem === id ? (canvas._cue || 0) : 0;
    if (canvas) canvas._cue = 0;
    const source = audioSource(id);
    note(source.text);
    audio.src = source.url;
    current.url = source.url;
    audio.currentTime = 0;
    if (cue > 0) audio.addEventListener("loadedmetadata", () => { if (current && current.id === id) audio.currentTime = cue * audio.duration; }, { once: true });
    audio.play().catch(stop);
    return true;
  }

  function isPlaying() { return !!current && !audio.paused; }

  // What plays: the stem id, seconds in and the length in seconds (null when nothing plays).
  function position() { return current ? { id: current.id, time: audio.currentTime, duration: audio.duration || 0, playing: !audio.paused, url: current.url } : null; }

  // The library list: arrow keys move and audition, Space plays or stops, Enter opens; rows drag out as WAV files.
  function stemList(table, ref) {
    if (!table || table._list) return;
    table._list = true;
    const rows = () => Array.from(table.querySelectorAll("tbody tr[data-stem]"));
    const play = tr => tr.querySelector("button[data-play]");
    table.addEventListener("keydown", e => {
      const tr = e.target.closest && e.target.closest("tr[data-stem]");
      if (!tr) return;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const list = rows(), next = list[list.indexOf(tr) + (e.key === "ArrowDown" ? 1 : -1)];
        if (!next) return;
        for (const r of list) r.tabIndex = r === next ? 0 : -1;
        next.focus();
        next.scrollIntoView({ block: "nearest" });
        ref.invokeMethodAsync("SelectFromKeys", Number(next.dataset.stem)).catch(() => { });
        const b = play(next);
        if (b && b.getAttribute("aria-pressed") !== "true") b.click();
        return;
      }
      if (e.target.closest("button, a, input, select")) return; // their own Space and Enter
      if (!e.ctrlKey && !e.altKey && !e.metaKey && (e.key === "f" || e.key === "F" || (e.key.length === 1 && e.key >= "0" && e.key <= "5"))) {
        e.preventDefault();
        ref.invokeMethodAsync("MarkFromKeys", Number(tr.dataset.stem), e.key).catch(() => { });
        return;
      }
      if (e.key === " ") { e.preventDefault(); const b = play(tr); if (b) b.click(); }
      else if (e.key === "Enter") { e.preventDefault(); const a = tr.querySelector("a[href]"); if (a) a.click(); }
    });
    table.addEventListener("dragstart", e => {
      const tr = e.target.closest && e.target.closest("tr[data-stem]");
      if (!tr || !e.dataTransfer) return;
      const url = new URL(`/api/stems/${tr.dataset.stem}/download?format=wav`, document.baseURI).href;
      // Chromium saves a DownloadURL drag ("type:file name:address") as a file where it is dropped: a DAW, a file manager.
      e.dataTransfer.setData("DownloadURL", `audio/wav:${tr.dataset.downloadName}:${url}`);
      e.dataTransfer.setData("text/uri-list", url);
      e.dataTransfer.setData("text/plain", url);
      e.dataTransfer.effectAllowed = "copy";
    });
  }

  // Copies text to the clipboard; true when it worked.
  async function copy(text) {
    try {
      if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); return true; }
    } catch { /* fall back below */ }
    const area = document.createElement("textarea");
    area.value = text;
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch { ok = false; }
    area.remove();
    return ok;
  }

  // Uploads the files chosen in `input` with `fields` to `url`, reporting progress (0…1) to ref.UploadProgress.
  function upload(input, url, fields, ref) {
    return new Promise(resolve => {
      const files = input && input.files ? Array.from(input.files) : [];
      if (files.length === 0) { resolve({ status: 0, body: "Choose a file first." }); return; }
      const form = new FormData();
      for (const f of files) form.append("file", f, f.name);
      for (const [k, v] of Object.entries(fields || {})) if (v !== null && v !== undefined && v !== "") form.append(k, v);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.upload.onprogress = e => { if (ref && e.lengthComputable) ref.invokeMethodAsync("UploadProgress", e.loaded / e.total).catch(() => { }); };
      xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText });
      xhr.onerror = () => resolve({ status: 0, body: "The upload failed (network error)." });
      xhr.send(form);
    });
  }

  // Searches by the file chosen in `input` (POST /api/search/audio with `fields`). Only ids and scores come back to the
  // server-side page (a whole result list would exceed the live connection's message size); a refusal brings its problem text.
  async function searchByFile(input, fields) {
    const r = await upload(input, "/api/search/audio", fields, null);
    if (r.status < 200 || r.status >= 300) return { status: r.status, body: r.body, hits: [] };
    try {
      return { status: r.status, body: "", hits: JSON.parse(r.body).map(h => ({ id: h.stem.stem.id, score: h.score })) };
    } catch { return { status: 0, body: "The search answered with something unreadable.", hits: [] }; }
  }

  // Makes `zone` accept dropped files into `input`, telling ref.FilesChosen the names.
  function dropZone(zone, input, ref) {
    if (!zone || zone._drop) return;
    zone._drop = true;
    const chosen = () => ref.invokeMethodAsync("FilesChosen", Array.from(input.files).map(f => f.name)).catch(() => { });
    zone.addEventListener("dragover", e => { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", e => {
      e.preventDefault();
      zone.classList.remove("over");
      if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; chosen(); }
    });
    input.addEventListener("change", chosen);
  }

  // The server calls this once the page is interactive.
  function ready() { bindProject(); document.body.dataset.interactive = "1"; }

  return { wave, zoom, preview, toggle, stop, isPlaying, position, stemList, copy, upload, searchByFile, dropZone, ready, mixPlay, mixStop, mixSeek, mixMute, mixSolo, mixState };
})();
