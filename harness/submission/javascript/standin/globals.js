// Recording stand-ins, part 5 of 5: modules, timers, the page's globals and collect().
// The five parts are one closure: engine.py joins them inside
// `(function (STUDENT_LINES) { ... })` and keeps the control function the last part returns.
const UI = pageValue("ui");
// The labs' ./data: the harness's data stand-ins (the file's own data.js is not run: the
// harness owns the data pipeline).
const DATA_MODULE = {MnistData: MnistData, Data: CourseData, dataSets: dataSets, default: dataSets,
                     IMAGE_H: 28, IMAGE_W: 28, IMAGE_SIZE: 784, NUM_CLASSES: 10};
const MODULES = {
  "deeplearn": dl, "deeplearnjs": dl, "@tensorflow/tfjs": tf, "@tensorflow/tfjs-core": tf,
  "@tensorflow/tfjs-layers": tf, "@tensorflow/tfjs-node": tf, "@tensorflow/tfjs-vis": UI,
  "./data": DATA_MODULE, "./data.js": DATA_MODULE, "./ui": UI, "./ui.js": UI,
};
// Files a bundler turns into their URL: `import sprite from './fashion_mnist_images.png'`.
const ASSET = /\.(png|jpe?g|gif|svg|css|json|txt|bin)$|_uint8$/i;
// TensorFlow.js reached through its own files: './node_modules/@tensorflow/tfjs-core/dist/util'.
const TFJS_FILE = /(^|\/)@tensorflow\/tfjs[\w-]*(\/|$)/;
function requireModule(name) {
  name = String(name);
  if (Object.prototype.hasOwnProperty.call(MODULES, name)) {
    const found = MODULES[name];
    if (found === dl) mark("deeplearn.js Graph");
    if (found === tf) mark("TensorFlow.js layers");
    return found;
  }
  if (TFJS_FILE.test(name)) return /\/util(\.js)?$/.test(name) ? tf.util : tf;
  if (ASSET.test(name)) return name;
  return refuse(`import of ${show(name)}: not available when grading (the harness grades ` +
                "index.js alone, with stand-ins for deeplearn.js, TensorFlow.js and the " +
                "labs' data and ui files); fix: build the network in index.js; available: " +
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

const moduleObject = {exports: {}};  // CommonJS files end with module.exports = {...}
const globals = {
  dl: dl, tf: tf, dataSets: dataSets, MnistData: MnistData,
  Graph: dl.Graph, Session: Session, CostReduction: CostReduction, NDArray: NDArray,
  Array1D: dl.Array1D, Array2D: dl.Array2D, Array3D: dl.Array3D, Array4D: dl.Array4D,
  Scalar: Scalar, SGDOptimizer: dl.SGDOptimizer, MomentumOptimizer: dl.MomentumOptimizer,
  InCPUMemoryShuffledInputProviderBuilder: InputProviderBuilder, XhrDataset: XhrDataset,
  NDArrayMathGPU: dl.NDArrayMathGPU, NDArrayMathCPU: dl.NDArrayMathCPU,
  __harnessRequire: requireModule, require: requireModule, module: moduleObject,
  exports: moduleObject.exports,
  setTimeout: (fn) => addTimer(fn, false), setInterval: (fn) => addTimer(fn, true),
  requestAnimationFrame: (fn) => addTimer(fn, false), clearTimeout: clearTimer,
  clearInterval: clearTimer, cancelAnimationFrame: clearTimer,
  console: CONSOLE, performance: {now: () => 0}, alert: () => undefined,
};
for (const name of PAGE_GLOBALS) globals[name] = pageValue(name);
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
                         last_line: lastLine, waiting: waiting,
                         page_reads: pageReads,
                         models: outputLayers(), trains: record.trains.map(clean)});
}
// The one handle the harness keeps: the student's script cannot reach or replace it.
return function control(command) {
  return command === "collect" ? collect() : runTimer();
};
