// Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
// The sketch pad: draw with a mouse, pen or finger; the matching gallery
// photos are fetched from /api/search while you draw. No dependencies.
'use strict';

(function () {
  const LOGICAL = 512;        // stroke coordinates: a 512 x 512 canvas
  const DEBOUNCE_MS = 300;    // search this long after a stroke ends...
  const LIVE_MS = 700;        // ...and every this often during a long one
  const MIN_STEP = 0.75;      // ignore pointer moves shorter than this

  const canvas = document.getElementById('pad');
  const ctx = canvas.getContext('2d');
  const undoButton = document.getElementById('undo');
  const clearButton = document.getElementById('clear');
  const brushInput = document.getElementById('brush');
  const brushValue = document.getElementById('brush-value');
  const fileInput = document.getElementById('file');
  const statusLine = document.getElementById('status');
  const infoLine = document.getElementById('info');
  const resultList = document.getElementById('results');
  const resultBox = resultList.parentElement;

  const strokes = [];         // {points: [[x, y], ...], width}
  let background = null;      // an uploaded sketch, drawn under the strokes
  let pendingUpload = null;   // a file to send as is with the next search
  let current = null;         // the stroke being drawn
  let activePointer = null;
  let strokeStart = 0;
  let timer = null;
  let inFlight = false;
  let again = false;
  let lastSent = 0;
  let generation = 0;         // bumped by Clear: late answers are dropped
  let dpr = 1;

  // -- drawing ------------------------------------------------------------
  function setupCanvas() {
    dpr = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
    canvas.width = Math.round(LOGICAL * dpr);
    canvas.height = Math.round(LOGICAL * dpr);
    redraw();
  }

  function styleFor(stroke) {
    ctx.strokeStyle = '#000';
    ctx.fillStyle = '#000';
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.lineWidth = stroke.width;
  }

  function drawStroke(stroke) {
    const p = stroke.points;
    styleFor(stroke);
    ctx.beginPath();
    if (p.length === 1) {
      ctx.arc(p[0][0], p[0][1], stroke.width / 2, 0, 2 * Math.PI);
      ctx.fill();
      return;
    }
    ctx.moveTo(p[0][0], p[0][1]);
    for (let i = 1; i < p.length; i++) ctx.lineTo(p[i][0], p[i][1]);
    ctx.stroke();
  }

  function redraw() {
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, LOGICAL, LOGICAL);
    if (background) {
      const s = Math.min(LOGICAL / background.naturalWidth,
                         LOGICAL / background.naturalHeight);
      const w = background.naturalWidth * s;
      const h = background.naturalHeight * s;
      ctx.drawImage(background, (LOGICAL - w) / 2, (LOGICAL - h) / 2, w, h);
    }
    strokes.forEach(drawStroke);
    updateButtons();
  }

  function toPoint(e) {
    const rect = canvas.getBoundingClientRect();
    const scale = LOGICAL / (canvas.clientWidth || LOGICAL);
    const x = (e.clientX - rect.left - canvas.clientLeft) * scale;
    const y = (e.clientY - rect.top - canvas.clientTop) * scale;
    return [Math.round(x * 10) / 10, Math.round(y * 10) / 10];
  }

  function addPoint(p) {
    const pts = current.points;
    const last = pts[pts.length - 1];
    if (Math.hypot(p[0] - last[0], p[1] - last[1]) < MIN_STEP) return;
    pts.push(p);
    styleFor(current);
    ctx.beginPath();
    ctx.moveTo(last[0], last[1]);
    ctx.lineTo(p[0], p[1]);
    ctx.stroke();
  }

  function isEmpty() {
    return strokes.length === 0 && !background && !pendingUpload;
  }

  function updateButtons() {
    undoButton.disabled = strokes.length === 0 && !background;
    clearButton.disabled = isEmpty();
  }

  canvas.addEventListener('pointerdown', (e) => {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    if (activePointer !== null) return;   // one stroke at a time
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    activePointer = e.pointerId;
    current = {points: [toPoint(e)], width: Number(brushInput.value)};
    strokes.push(current);
    strokeStart = performance.now();
    clearTimeout(timer);
    drawStroke(current);
    updateButtons();
  });

  canvas.addEventListener('pointermove', (e) => {
    if (e.pointerId !== activePointer || !current) return;
    e.preventDefault();
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    for (const ev of (events.length ? events : [e])) addPoint(toPoint(ev));
    const now = performance.now();
    if (!inFlight && now - strokeStart > LIVE_MS && now - lastSent > LIVE_MS) {
      runSearch();
    }
  });

  function endStroke(e) {
    if (e.pointerId !== activePointer) return;
    activePointer = null;
    current = null;
    schedule(DEBOUNCE_MS);
  }
  canvas.addEventListener('pointerup', endStroke);
  canvas.addEventListener('pointercancel', endStroke);
  canvas.addEventListener('lostpointercapture', endStroke);

  function undo() {
    if (activePointer !== null) return;
    if (strokes.length) strokes.pop();
    else background = null;
    redraw();
    schedule(DEBOUNCE_MS);
  }

  function clear() {
    strokes.length = 0;
    background = null;
    pendingUpload = null;
    generation++;
    clearTimeout(timer);
    redraw();
    resultList.replaceChildren();
    setStatus('Draw something: the matching photos appear as you draw.');
  }

  undoButton.addEventListener('click', undo);
  clearButton.addEventListener('click', clear);
  brushInput.addEventListener('input', () => {
    brushValue.textContent = brushInput.value;
  });
  document.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === 'z') {
      e.preventDefault();
      undo();
    }
  });

  fileInput.addEventListener('change', () => {
    const file = fileInput.files && fileInput.files[0];
    fileInput.value = '';
    if (!file) return;
    strokes.length = 0;
    background = null;
    generation++;
    pendingUpload = file;
    const url = URL.createObjectURL(file);
    const img = new Image();
    img.onload = () => {
      background = img;
      URL.revokeObjectURL(url);
      redraw();
    };
    img.onerror = () => URL.revokeObjectURL(url);
    img.src = url;
    redraw();
    runSearch();
  });

  // -- searching ----------------------------------------------------------
  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(runSearch, delay);
  }

  async function buildRequest() {
    if (pendingUpload) {
      const form = new FormData();
      form.append('file', pendingUpload, pendingUpload.name || 'sketch.png');
      pendingUpload = null;
      return {method: 'POST', body: form};
    }
    if (background) {   // an uploaded sketch with strokes on top: send pixels
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
      const form = new FormData();
      form.append('file', blob, 'sketch.png');
      return {method: 'POST', body: form};
    }
    if (!strokes.length) return null;
    return {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({
        strokes: strokes.map((s) => s.points),
        line_widths: strokes.map((s) => s.width),
        line_width: Number(brushInput.value),
        width: LOGICAL,
        height: LOGICAL,
      }),
    };
  }

  async function runSearch() {
    clearTimeout(timer);
    timer = null;
    if (inFlight) {
      again = true;
      return;
    }
    const gen = generation;
    inFlight = true;
    lastSent = performance.now();
    resultBox.classList.add('busy');
    try {
      const request = await buildRequest();
      if (!request) {
        resultList.replaceChildren();
        return;
      }
      const resp = await fetch('api/search', request);
      let data;
      try {
        data = await resp.json();
      } catch (err) {
        data = {error: `HTTP ${resp.status}`};
      }
      if (gen === generation) {
        if (resp.ok) showResults(data);
        else setStatus(data.error || `HTTP ${resp.status}`, true);
      }
    } catch (err) {
      if (gen === generation) setStatus(`The server did not answer (${err.message}).`, true);
    } finally {
      inFlight = false;
      resultBox.classList.remove('busy');
      if (again) {
        again = false;
        runSearch();
      }
    }
  }

  function showResults(data) {
    const items = data.results.map((r) => {
      const li = document.createElement('li');
      li.dataset.rank = r.rank;
      const figure = document.createElement('figure');
      const img = document.createElement('img');
      img.src = r.thumbnail_url;
      img.alt = r.class_name || 'gallery photo';
      img.decoding = 'async';
      const caption = document.createElement('figcaption');
      const cls = document.createElement('span');
      cls.className = 'cls';
      cls.textContent = r.class_name ? r.class_name.replace(/_/g, ' ') : '—';
      const rank = document.createElement('span');
      rank.className = 'rank';
      rank.textContent = `#${r.rank}`;
      const score = document.createElement('span');
      score.className = 'score';
      score.textContent = r.score.toFixed(3);
      caption.append(cls, rank, score);
      figure.append(img, caption);
      li.append(figure);
      li.title = `${r.class_name || 'no class'} · score ${r.score.toFixed(4)}`;
      return li;
    });
    resultList.replaceChildren(...items);
    setStatus(`${items.length} matches in ${Math.round(data.elapsed_ms)} ms.`);
  }

  function setStatus(text, isError) {
    statusLine.textContent = text;
    statusLine.classList.toggle('error', Boolean(isError));
  }

  async function loadInfo() {
    try {
      const resp = await fetch('api/health');
      const h = await resp.json();
      infoLine.textContent =
        `model: ${h.model} · gallery: ${h.gallery} (${h.gallery_size} photos)`;
    } catch (err) {
      infoLine.textContent = 'The server does not answer.';
    }
  }

  window.addEventListener('resize', () => {
    if ((window.devicePixelRatio || 1) !== dpr) setupCanvas();
  });
  setupCanvas();
  loadInfo();
})();
