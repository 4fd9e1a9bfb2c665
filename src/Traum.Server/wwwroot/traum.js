// Traum web UI: audio playback, waveform drawing and uploads. Everything else is rendered by the server.
window.traum = (() => {
  const audio = new Audio();
  audio.preload = "none";
  let current = null; // { id, ref, canvas }
  const peaks = new Map(); // "id:buckets" -> Promise<peaks>

  function css(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

  function fetchPeaks(id, buckets) {
    const key = id + ":" + buckets;
    if (!peaks.has(key)) {
      peaks.set(key, fetch(`/api/stems/${id}/peaks?buckets=${buckets}`, { credentials: "same-origin" })
        .then(r => r.ok ? r.json() : null).catch(() => null));
    }
    return peaks.get(key);
  }

  function draw(canvas, p, progress) {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
    const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    const g = canvas.getContext("2d");
    g.clearRect(0, 0, w, h);
    if (!p) return;
    const n = p.min.length, mid = h / 2, played = progress * w;
    let top = 0;
    for (let i = 0; i < n; i++) top = Math.max(top, Math.abs(p.min[i]), Math.abs(p.max[i]));
    // Lanes of one group (a track's stems) share one scale, so their levels compare; cards fill their height.
    canvas._top = top;
    const ref = canvas.dataset.group ? (canvas._groupTop || top) : top;
    const scale = ref > 0 ? (mid - 2) / ref : 0;
    const colour = getComputedStyle(canvas).getPropertyValue("--kind").trim() || css("--accent");
    const dim = colour;
    const barW = w / n;
    for (let i = 0; i < n; i++) {
      const x = i * barW;
      const y1 = mid - p.max[i] * scale, y2 = mid - p.min[i] * scale;
      g.fillStyle = x < played ? colour : dim;
      g.globalAlpha = x < played ? 1 : 0.5;
      g.fillRect(x, Math.min(y1, y2), Math.max(1, barW - (barW > 3 ? 1 : 0)), Math.max(1, Math.abs(y2 - y1)));
    }
    g.globalAlpha = 1;
    if (progress > 0) { g.fillStyle = css("--text"); g.fillRect(played, 0, Math.max(1, dpr), h); }
  }

  async function wave(canvas, id) {
    if (!canvas) return;
    const buckets = Math.min(2048, Math.max(32, Math.round(canvas.clientWidth / 3)));
    const p = await fetchPeaks(id, buckets);
    canvas._peaks = p;
    canvas._stem = id;
    draw(canvas, p, current && current.id === id ? (audio.currentTime / (audio.duration || 1)) : 0);
    const group = canvas.dataset.group;
    if (group) {
      const members = Array.from(document.querySelectorAll("canvas.wave")).filter(c => c.dataset.group === group && c._peaks);
      const groupTop = Math.max(...members.map(c => c._top || 0));
      for (const c of members) {
        c._groupTop = groupTop;
        draw(c, c._peaks, current && current.canvas === c ? (audio.currentTime / (audio.duration || 1)) : 0);
      }
    }
    if (!canvas._seek) {
      canvas._seek = true;
      canvas.addEventListener("click", ev => {
        if (!current || current.id !== canvas._stem || !audio.duration) return;
        const r = canvas.getBoundingClientRect();
        audio.currentTime = (ev.clientX - r.left) / r.width * audio.duration;
      });
    }
  }

  function tick() {
    if (current && current.canvas && current.canvas._peaks && !audio.paused) {
      draw(current.canvas, current.canvas._peaks, audio.currentTime / (audio.duration || 1));
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
  function toggle(id, ref, canvas) {
    if (current && current.id === id) { stop(); return false; }
    stop();
    current = { id, ref, canvas };
    audio.src = `/api/stems/${id}/audio`;
    audio.currentTime = 0;
    audio.play().catch(stop);
    return true;
  }

  function isPlaying() { return !!current && !audio.paused; }

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
  function ready() { document.body.dataset.interactive = "1"; }

  return { wave, toggle, stop, isPlaying, upload, dropZone, ready };
})();
