// Recording stand-ins, part 4 of 4: modules, timers, the page's globals and collect().
// The four parts are one closure: engine.py joins them inside
// `(function (STUDENT_LINES) { ... })` and keeps the control function the last part returns.
const MODULES = {
  "deeplearn": dl, "deeplearnjs": dl, "@tensorflow/tfjs": tf, "@tensorflow/tfjs-core": tf,
  "@tensorflow/tfjs-layers": tf, "@tensorflow/tfjs-node": tf, "@tensorflow/tfjs-vis": INERT,
  "./data": {MnistData: MnistData, dataSets: dataSets, default: dataSets},
  "./data.js": {MnistData: MnistData, dataSets: dataSets, default: dataSets},
  "./ui": INERT, "./ui.js": INERT,
};
function requireModule(name) {
  if (Object.prototype.hasOwnProperty.call(MODULES, name)) {
    const found = MODULES[name];
    if (found === dl) mark("deeplearn.js Graph");
    if (found === tf) mark("TensorFlow.js layers");
    return found;
  }
  return refuse(`import of ${show(name)}: not available when grading; available: ` +
                `${Object.keys(MODULES).map(show).join(", ")}`);
}

const timers = [];
let timerId = 1;
function addTimer(fn, repeat) {
  if (typeof fn !== "function") return 0;
  const entry = {id: timerId++, fn: fn, repeat: repeat};
  timers.push(entry);
  return entry.id;
}
function clearTimer(id) {
  const at = timers.findIndex((t) => t.id === id);
  if (at >= 0) timers.splice(at, 1);
}
// Called by engine.py when no promise job is pending: runs one timer, false when none.
function runTimer() {
  const entry = timers.shift();
  if (!entry) return false;
  if (entry.repeat) timers.push(entry);
  entry.fn();
  return true;
}

const globals = {
  dl: dl, tf: tf, dataSets: dataSets, MnistData: MnistData,
  Graph: dl.Graph, Session: Session, CostReduction: CostReduction, NDArray: NDArray,
  Array1D: dl.Array1D, Array2D: dl.Array2D, Array3D: dl.Array3D, Array4D: dl.Array4D,
  Scalar: Scalar, SGDOptimizer: dl.SGDOptimizer, MomentumOptimizer: dl.MomentumOptimizer,
  InCPUMemoryShuffledInputProviderBuilder: InputProviderBuilder,
  NDArrayMathGPU: dl.NDArrayMathGPU, NDArrayMathCPU: dl.NDArrayMathCPU,
  __harnessRequire: requireModule, require: requireModule,
  setTimeout: (fn) => addTimer(fn, false), setInterval: (fn) => addTimer(fn, true),
  requestAnimationFrame: (fn) => addTimer(fn, false), clearTimeout: clearTimer,
  clearInterval: clearTimer, cancelAnimationFrame: clearTimer,
  console: {log() {}, info() {}, warn() {}, error() {}, debug() {}, table() {}, time() {},
            timeEnd() {}},
  document: INERT, window: INERT, tfvis: INERT, performance: {now: () => 0},
  alert: () => undefined,
};
for (const [name, value] of Object.entries(globals)) globalThis[name] = value;

// ---- collect: what the file built, as JSON for the harness --------------------------
function chainToInput(tensor) {
  const layers = [];
  for (let t = tensor; t && t.node && t.node.op !== "placeholder"; t = t.node.input) {
    if (t.node.layer) layers.unshift(t.node.layer);
    if (t.node.op === "softmax") layers.unshift(layerEntry("softmax", {}, "graph.softmax"));
  }
  return layers;
}
function outputLayers() {
  if (record.dialect === "TensorFlow.js layers" || record.models.length) {
    const trained = record.trains.filter((t) => t.model !== undefined).map((t) => t.model);
    return record.models.filter((m) => trained.includes(m.id) || record.models.length === 1)
      .map((m) => ({layers: m.layers, frames: m.frames}));
  }
  const trained = record.trains.map((t) => t.cost);
  const outputs = record.outputs.filter((o) => trained.includes(o.cost));
  return (outputs.length ? outputs : record.outputs).map((o) => ({layers: chainToInput(o.logits),
                                                                    frames: o.frames}));
}
function collect() {
  const clean = (t) => ({batch_size: t.batch_size, optimizer: t.optimizer, how: t.how,
                         count: t.count, line: t.line});
  return JSON.stringify({dialect: record.dialect, problems: record.problems,
                         notes: record.notes, dataset: record.dataset, errors: errors,
                         last_line: lastLine,
                         models: outputLayers(), trains: record.trains.map(clean)});
}
// The one handle the harness keeps: the student's script cannot reach or replace it.
return function control(command) {
  return command === "collect" ? collect() : runTimer();
};
