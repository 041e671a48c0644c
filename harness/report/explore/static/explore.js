/* The explore page: draw or pick an image, see the prediction and every layer's maps.
 *
 * Reads the JSON in <script id="explore-data"> (written by harness/report/explore/page.py)
 * and uses ExploreForward (forward.js) for the network. Nothing is fetched: the page works
 * from the file alone. window.explore exposes the state for tests and the curious.
 */
"use strict";

(function () {
  const DATA = JSON.parse(document.getElementById("explore-data").textContent);
  const BRUSH = 22; // stroke width on the 280x280 drawing canvas
  const state = { run: null, prepared: null, pixels: null, outputs: null, source: "" };

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const key in attrs || {}) {
      if (key === "text") node.textContent = attrs[key];
      else node.setAttribute(key, attrs[key]);
    }
    for (const child of children || []) node.appendChild(child);
    return node;
  }

  function className(run, index) {
    return run.class_names[index] !== undefined ? run.class_names[index] : String(index);
  }

  // --- pictures ----------------------------------------------------------------------

  /* A canvas showing an image (height, width, channels) of uint8 pixels. */
  function imageCanvas(pixels, shape, cls) {
    const [h, w, c] = shape, canvas = el("canvas", { class: cls || "thumb" });
    canvas.width = w;
    canvas.height = h;
    const context = canvas.getContext("2d"), picture = context.createImageData(w, h);
    for (let i = 0; i < h * w; i++) {
      for (let k = 0; k < 3; k++) picture.data[4 * i + k] = pixels[i * c + (c === 3 ? k : 0)];
      picture.data[4 * i + 3] = 255;
    }
    context.putImageData(picture, 0, 0);
    return canvas;
  }

  /* Colour of one activation: blue below zero, red above, white at zero. */
  function colour(value, scale) {
    const t = scale > 0 ? Math.max(-1, Math.min(1, value / scale)) : 0;
    const fade = Math.round(255 * (1 - Math.abs(t)));
    return t >= 0 ? [255, fade, fade] : [fade, fade, 255];
  }

  function scaleOf(data) {
    let top = 0;
    for (let i = 0; i < data.length; i++) top = Math.max(top, Math.abs(data[i]));
    return top;
  }

  /* Paint channel ``ch`` of a (h, w, c) output, or a row of a flat output, on ``canvas``. */
  function paintMap(canvas, output, ch, scale) {
    const flat = output.shape.length === 1, c = flat ? 1 : output.shape[2];
    const context = canvas.getContext("2d");
    const picture = context.createImageData(canvas.width, canvas.height);
    for (let i = 0; i < canvas.width * canvas.height; i++) {
      const index = flat ? i : i * c + ch;
      const rgb = index < output.data.length ? colour(output.data[index], scale) : [238, 238, 238];
      picture.data.set([rgb[0], rgb[1], rgb[2], 255], 4 * i);
    }
    context.putImageData(picture, 0, 0);
  }

  function mapCanvases(output) {
    if (output.shape.length === 1) {
      const n = output.shape[0], columns = Math.min(n, 64), canvas = el("canvas", { class: "strip" });
      canvas.width = columns;
      canvas.height = Math.ceil(n / columns);
      return [canvas];
    }
    const [h, w, c] = output.shape, canvases = [];
    for (let ch = 0; ch < c; ch++) {
      const canvas = el("canvas", { class: "map", title: "channel " + ch });
      canvas.width = w;
      canvas.height = h;
      canvases.push(canvas);
    }
    return canvases;
  }

  // --- the network view --------------------------------------------------------------

  function layerTitle(layer) {
    const settings = Object.keys(layer).filter((k) => !["layer", "params", "output_shape"].includes(k))
      .map((k) => k + "=" + layer[k]).join(", ");
    return layer.layer + (settings ? " (" + settings + ")" : "") + " \u2192 " + layer.output_shape.join("x");
  }

  function buildLayers(run) {
    const holder = document.getElementById("layers");
    holder.textContent = "";
    state.maps = run.network.layers.map((layer, index) => {
      const fake = { shape: layer.output_shape, data: [] };
      const canvases = mapCanvases(fake);
      holder.appendChild(el("div", { class: "layer", "data-kind": layer.layer }, [
        el("div", { class: "layer-title", text: index + ": " + layerTitle(layer) }),
        el("div", { class: "maps" }, canvases)]));
      return canvases;
    });
  }

  function paintLayers(outputs) {
    outputs.forEach((output, index) => {
      const scale = scaleOf(output.data);
      state.maps[index].forEach((canvas, ch) => paintMap(canvas, output, ch, scale));
    });
  }

  function top3(run, probabilities) {
    return probabilities.map((p, i) => [p, i]).sort((a, b) => b[0] - a[0]).slice(0, 3)
      .map(([p, i]) => ({ name: className(run, i), index: i, probability: p }));
  }

  function probabilityBars(run, probabilities) {
    return el("div", { class: "bars" }, top3(run, probabilities).map((entry) =>
      el("div", { class: "bar" }, [
        el("span", { class: "bar-name", text: entry.name }),
        el("span", { class: "bar-track" }, [
          el("span", { class: "bar-fill", style: "width:" + (100 * entry.probability).toFixed(1) + "%" })]),
        el("span", { class: "bar-value", text: (100 * entry.probability).toFixed(1) + "%" })])));
  }

  function showPrediction(run, probabilities, where) {
    const best = top3(run, probabilities)[0];
    const box = document.getElementById("prediction");
    box.textContent = "";
    box.appendChild(el("div", { class: "predicted", text: best.name }));
    box.appendChild(el("div", { class: "source", text: where }));
    box.appendChild(probabilityBars(run, probabilities));
  }

  /* Run the network on ``pixels`` and update the prediction and every map. */
  function update(pixels, where) {
    const run = state.run;
    state.pixels = pixels;
    state.source = where;
    if (!state.prepared) return;
    const x = ExploreForward.input(pixels, run.input_shape);
    state.outputs = ExploreForward.run(state.prepared, x);
    state.probabilities = ExploreForward.softmax(state.outputs[state.outputs.length - 1].data);
    showPrediction(run, state.probabilities, where);
    paintLayers(state.outputs);
    showPreview(run, pixels);
  }

  // --- drawing -----------------------------------------------------------------------

  /* The drawing scaled into a 20x20 box and centred in 28x28 by its centre of mass, as
   * MNIST's digits were; returns uint8 pixels (28, 28, 1). */
  function drawnPixels(canvas) {
    const [h, w] = state.run.input_shape, box = Math.round(0.71 * Math.min(h, w));
    const small = el("canvas");
    small.width = w;
    small.height = h;
    const context = small.getContext("2d");
    const bounds = inkBounds(canvas);
    if (bounds) {
      const side = Math.max(bounds.w, bounds.h), size = box * bounds.w / side, tall = box * bounds.h / side;
      context.imageSmoothingEnabled = true;
      context.drawImage(canvas, bounds.x, bounds.y, bounds.w, bounds.h,
                        (w - size) / 2, (h - tall) / 2, size, tall);
    }
    const rgba = context.getImageData(0, 0, w, h).data, gray = new Uint8Array(w * h);
    for (let i = 0; i < w * h; i++) gray[i] = rgba[4 * i];
    return centred(gray, w, h);
  }

  function inkBounds(canvas) {
    const rgba = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let x0 = canvas.width, y0 = canvas.height, x1 = -1, y1 = -1;
    for (let y = 0; y < canvas.height; y++) {
      for (let x = 0; x < canvas.width; x++) {
        if (rgba[4 * (y * canvas.width + x)] > 0) {
          x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
        }
      }
    }
    return x1 < 0 ? null : { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
  }

  function centred(gray, w, h) {
    let mass = 0, mx = 0, my = 0;
    for (let i = 0; i < w * h; i++) { mass += gray[i]; mx += (i % w) * gray[i]; my += Math.floor(i / w) * gray[i]; }
    const dx = mass ? Math.round((w - 1) / 2 - mx / mass) : 0, dy = mass ? Math.round((h - 1) / 2 - my / mass) : 0;
    const out = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const sx = x - dx, sy = y - dy;
        if (sx >= 0 && sx < w && sy >= 0 && sy < h) out[y * w + x] = gray[sy * w + sx];
      }
    }
    return out;
  }

  function setUpDrawing() {
    const canvas = document.getElementById("draw");
    const context = canvas.getContext("2d");
    let last = null, pending = false;
    const clear = () => { context.fillStyle = "#000"; context.fillRect(0, 0, canvas.width, canvas.height); };
    const at = (event) => {
      const rect = canvas.getBoundingClientRect();
      return [(event.clientX - rect.left) * canvas.width / rect.width,
              (event.clientY - rect.top) * canvas.height / rect.height];
    };
    const schedule = () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => { pending = false; update(drawnPixels(canvas), "your drawing"); });
    };
    const stroke = (to) => {
      context.strokeStyle = "#fff"; context.lineWidth = BRUSH; context.lineCap = "round"; context.lineJoin = "round";
      context.beginPath(); context.moveTo(last[0], last[1]); context.lineTo(to[0], to[1]); context.stroke();
      last = to;
      schedule();
    };
    canvas.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      last = at(event);
      stroke(last);
    });
    canvas.addEventListener("pointermove", (event) => { if (last) stroke(at(event)); });
    const end = () => { last = null; };
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    document.getElementById("clear").addEventListener("click", () => { clear(); update(drawnPixels(canvas), "your drawing"); });
    clear();
    state.clearDrawing = clear;
  }

  // --- test images and confusions ----------------------------------------------------

  function examplePixels(example) {
    if (!example.decoded) example.decoded = ExploreForward.bytesOf(example.pixels);
    return example.decoded;
  }

  function exampleCaption(run, example) {
    const verdict = example.predicted === example.label ? "right" : "read as " + className(run, example.predicted);
    return "test image #" + example.index + ": " + className(run, example.label) + ", " + verdict;
  }

  function showPreview(run, pixels) {
    const preview = document.getElementById("input-preview");
    preview.textContent = "";
    preview.appendChild(imageCanvas(pixels, run.input_shape, "preview"));
  }

  /* Show a test image: run in the page when the network is known, else the run's own
   * probabilities. */
  function showExample(run, example, scroll) {
    const where = exampleCaption(run, example);
    if (state.prepared) update(examplePixels(example), where);
    else {
      state.source = where + " (probabilities from the graded run)";
      state.probabilities = example.probabilities;
      showPreview(run, examplePixels(example));
      showPrediction(run, example.probabilities, state.source);
    }
    if (scroll) document.getElementById("look").scrollIntoView({ block: "start" });
  }

  function exampleCard(run, example) {
    const card = el("figure", { class: "card " + (example.predicted === example.label ? "right" : "wrong") }, [
      imageCanvas(examplePixels(example), run.input_shape, "thumb"),
      el("figcaption", { text: exampleCaption(run, example) }),
      probabilityBars(run, example.probabilities)]);
    if (state.prepared) {
      card.appendChild(summaryStrip(run, example));
      card.addEventListener("click", () => showExample(run, example, true));
      card.setAttribute("title", "click to see every layer");
    }
    return card;
  }

  /* One small picture per spatial layer (the strongest channel at each place). */
  function summaryStrip(run, example) {
    const outputs = ExploreForward.run(state.prepared, ExploreForward.input(examplePixels(example), run.input_shape));
    example.pageProbabilities = ExploreForward.softmax(outputs[outputs.length - 1].data);
    const canvases = outputs.filter((o) => o.shape.length === 3).map((output) => {
      const [h, w, c] = output.shape, strongest = { shape: [h, w, 1], data: new Float64Array(h * w) };
      for (let i = 0; i < h * w; i++) {
        let top = 0;
        for (let ch = 0; ch < c; ch++) if (Math.abs(output.data[i * c + ch]) > Math.abs(top)) top = output.data[i * c + ch];
        strongest.data[i] = top;
      }
      const canvas = el("canvas", { class: "mini" });
      canvas.width = w;
      canvas.height = h;
      paintMap(canvas, strongest, 0, scaleOf(strongest.data));
      return canvas;
    });
    return el("div", { class: "strip-row" }, canvases);
  }

  function buildPicker(run) {
    const picker = document.getElementById("picker");
    picker.textContent = "";
    for (const index of run.picker) {
      const example = run.examples[index];
      const button = el("button", { class: "pick", title: exampleCaption(run, example) },
                        [imageCanvas(examplePixels(example), run.input_shape, "thumb")]);
      button.addEventListener("click", () => showExample(run, example, false));
      picker.appendChild(button);
    }
  }

  function buildConfusions(run) {
    const holder = document.getElementById("confusions");
    holder.textContent = "";
    if (!run.pairs.length) holder.appendChild(el("p", { text: "No test image was confused." }));
    for (const pair of run.pairs) {
      const title = className(run, pair.true) + " read as " + className(run, pair.predicted) +
        ": " + pair.count + " time" + (pair.count === 1 ? "" : "s");
      const cards = pair.confused.concat(pair.correct).map((i) => exampleCard(run, run.examples[i]));
      holder.appendChild(el("section", { class: "pair" }, [el("h3", { text: title }), el("div", { class: "cards" }, cards)]));
    }
  }

  // --- runs ----------------------------------------------------------------------------

  function selectRun(index) {
    const run = DATA.runs[index];
    state.run = run;
    state.index = index;
    state.prepared = run.network ? ExploreForward.prepare(run.network) : null;
    document.querySelectorAll(".run-tab").forEach((tab, i) => tab.classList.toggle("active", i === index));
    document.getElementById("no-network").textContent = run.network ? "" : run.no_network;
    document.getElementById("explorer").hidden = !run.network;
    document.getElementById("drawing").hidden = !(run.network && run.drawable);
    document.getElementById("draw-or").textContent = run.network && run.drawable ? "Draw or pick" : "Pick";
    document.getElementById("click-hint").hidden = !run.network;
    document.getElementById("run-facts").textContent = run.facts;
    if (run.network) buildLayers(run);
    buildPicker(run);
    buildConfusions(run);
    if (run.network && run.drawable && state.clearDrawing) state.clearDrawing();
    if (run.picker.length) showExample(run, run.examples[run.picker[0]], false);
  }

  function buildTabs() {
    const tabs = document.getElementById("runs");
    DATA.runs.forEach((run, index) => {
      const tab = el("button", { class: "run-tab", text: run.title });
      tab.addEventListener("click", () => selectRun(index));
      tabs.appendChild(tab);
    });
  }

  /* Probabilities of the page's own forward pass for example ``i`` of run ``r``. */
  function pageProbabilities(r, i) {
    const run = DATA.runs[r], prepared = ExploreForward.prepare(run.network);
    const outputs = ExploreForward.run(prepared, ExploreForward.input(examplePixels(run.examples[i]), run.input_shape));
    return ExploreForward.softmax(outputs[outputs.length - 1].data);
  }

  buildTabs();
  setUpDrawing();
  if (DATA.runs.length) selectRun(0);
  else document.getElementById("no-network").textContent = DATA.empty;
  window.explore = { data: DATA, state: state, selectRun: selectRun, pageProbabilities: pageProbabilities, ready: true };
})();
