// Recording stand-ins, part 2 of 5: deeplearn.js (the Graph API of the course's starter).
// The five parts are one closure: engine.py joins them inside
// `(function (STUDENT_LINES) { ... })` and keeps the control function the last part returns.
class NDArray {
  constructor(shape) {
    this.shape = Array.isArray(shape) ? shape.slice() : [];
    this.size = this.shape.reduce((a, b) => a * b, 1);
    this.rank = this.shape.length;
  }
  static zeros(shape) { return new NDArray(shape); }
  static ones(shape) { return new NDArray(shape); }
  static zerosLike(array) { return new NDArray(array.shape); }
  static randNormal(shape) { return new NDArray(shape); }
  static randTruncatedNormal(shape) { return new NDArray(shape); }
  static randUniform(shape) { return new NDArray(shape); }
  static new(shape) { return new NDArray(shape); }
  static fromArray(values) { return new NDArray([values.length]); }
  get(...index) { return 0; }
  getValues() { return new Float32Array(this.size); }
  dataSync() { return new Float32Array(this.size); }
  data() { return Promise.resolve(new Float32Array(this.size)); }
  reshape(shape) { return new NDArray(shape); }
  as1D() { return new NDArray([this.size]); }
  dispose() {}
}
// Array1D.new(values), ArrayND.new(shape, values) for N >= 2, Scalar.new(value).
function arrayClass(rank) {
  return class extends NDArray {
    static new(first) {
      if (rank === 0) return new NDArray([]);
      if (rank === 1) return new NDArray([Array.isArray(first) ? first.length : 1]);
      return new NDArray(first);
    }
  };
}
const Scalar = arrayClass(0);

class DLTensor {
  constructor(shape, node) {
    this.shape = shape;
    this.node = node;
    this.id = nextId++;
  }
}

function standardGraph() {
  const graph = {};
  const node = (op, input, extra) => Object.assign({op: op, input: input, frames: where()}, extra);
  const tensor = (shape, n) => new DLTensor(shape, n);
  const own = (x, call) => {
    if (!(x instanceof DLTensor)) {
      refuse(`${call}: expected a tensor made by this graph (graph.placeholder or a layer), ` +
             `received ${show(x)}`);
    }
    return x;
  };
  const image = (x, call) => {
    own(x, call);
    if (x.shape.length !== 3) {
      refuse(`${call}: expected an image (height x width x depth) as input, received ` +
             `shape [${x.shape}] after a flatten; fix: put ${call} before the flatten layer`);
    }
    return x;
  };
  const out = (size, f, s, p) => Math.max(Math.floor((size + 2 * p - f) / s) + 1, 0);

  graph.placeholder = (name, shape) => {
    if (!Array.isArray(shape)) refuse(`graph.placeholder('${name}', shape): expected a shape array, received ${show(shape)}`);
    return tensor(shape.slice(), node("placeholder", null, {name: String(name)}));
  };
  graph.variable = (name, data) => {
    const shape = data && Array.isArray(data.shape) ? data.shape.slice() : [];
    return tensor(shape, node("variable", null, {name: String(name)}));
  };
  graph.constant = (value) => tensor(value && value.shape ? value.shape : [], node("constant", null));
  graph.conv2d = (x, w, b, fieldSize, outputDepth, stride, zeroPad) => {
    image(x, "graph.conv2d");
    stride = stride === undefined ? 1 : stride;
    if (zeroPad === undefined || zeroPad === null) {
      zeroPad = Math.floor((x.shape[0] * (stride - 1) - stride + fieldSize) / 2);
    }
    for (const [key, value] of [["fieldSize", fieldSize], ["outputDepth", outputDepth],
                                ["stride", stride], ["zeroPad", zeroPad]]) {
      if (!isInt(value)) refuse(`graph.conv2d: ${key}: expected an integer, received ${show(value)}`);
    }
    const expected = [fieldSize, fieldSize, x.shape[2], outputDepth];
    if (w instanceof DLTensor && w.shape.length && show(w.shape) !== show(expected)) {
      refuse(`graph.conv2d: the weights have shape [${w.shape}], expected [${expected}] ` +
             "(fieldSize, fieldSize, input depth, outputDepth); fix: make the weight " +
             "variable's shape match");
    }
    const n = node("conv2d", x, {layer: layerEntry("conv", {field_size: fieldSize, stride: stride,
      filters: outputDepth, zero_pad: zeroPad}, "graph.conv2d")});
    return tensor([out(x.shape[0], fieldSize, stride, zeroPad),
                   out(x.shape[1], fieldSize, stride, zeroPad), outputDepth], n);
  };
  graph.maxPool = (x, fieldSize, stride, zeroPad) => {
    image(x, "graph.maxPool");
    stride = stride === undefined ? 1 : stride;
    if (zeroPad === undefined || zeroPad === null) {
      zeroPad = Math.floor((x.shape[0] * (stride - 1) - stride + fieldSize) / 2);
    }
    if (zeroPad !== 0) {
      refuse(`graph.maxPool: zeroPad ${show(zeroPad)}: the Model Builder's pooling has no ` +
             "padding; fix: pass zeroPad 0 (left out, deeplearn.js computes a padding " +
             "from the input size)");
    }
    const n = node("maxPool", x, {layer: layerEntry("maxpool", {field_size: fieldSize,
      stride: stride}, "graph.maxPool")});
    return tensor([out(x.shape[0], fieldSize, stride, 0), out(x.shape[1], fieldSize, stride, 0),
                   x.shape[2]], n);
  };
  for (const kind of ["relu", "sigmoid", "tanh"]) {
    graph[kind] = (x) => {
      own(x, `graph.${kind}`);
      return tensor(x.shape, node(kind, x, {layer: layerEntry(kind, {}, `graph.${kind}`)}));
    };
  }
  graph.reshape = (x, shape) => {
    own(x, "graph.reshape");
    const size = x.shape.reduce((a, b) => a * b, 1);
    if (!Array.isArray(shape) || shape.length !== 1 || shape[0] !== size) {
      refuse(`graph.reshape to ${show(shape)}: only flattening is supported, to ` +
             `[${size}] (dl.util.sizeFromShape(x.shape)); fix: use addFlattenLayer`);
    }
    if (x.shape.length === 1) return x;
    return tensor([size], node("flatten", x, {layer: layerEntry("flatten", {}, "graph.reshape")}));
  };
  graph.softmax = (x) => tensor(own(x, "graph.softmax").shape, node("softmax", x));
  graph.argmax = (x) => tensor([], node("argmax", own(x, "graph.argmax")));
  graph.argmaxEquals = (a) => tensor([], node("argmaxEquals", own(a, "graph.argmaxEquals")));
  graph.softmaxCrossEntropyCost = (x, target) => {
    own(x, "graph.softmaxCrossEntropyCost");
    const cost = tensor([], node("cost", x));
    record.outputs.push({cost: cost.id, logits: x, frames: where()});
    return cost;
  };
  graph.layers = {
    dense(name, x, units, activation, useBias) {
      own(x, "graph.layers.dense");
      if (x.shape.length !== 1) {
        refuse(`graph.layers.dense: expected flat features as input, received an image of ` +
               `shape [${x.shape}]; fix: add a flatten layer first (addFlattenLayer: ` +
               "graph.reshape(x, [dl.util.sizeFromShape(x.shape)]))");
      }
      if (!isInt(units)) refuse(`graph.layers.dense: units: expected an integer, received ${show(units)}`);
      if (useBias === false) {
        refuse("graph.layers.dense: useBias false: the Model Builder's dense layer always " +
               "has a bias; fix: leave useBias out");
      }
      let y = tensor([units], node("dense", x, {layer: layerEntry("dense", {units: units},
        "graph.layers.dense")}));
      if (typeof activation === "function") y = activation(y);
      return y;
    },
  };
  const supported = ["placeholder", "variable", "conv2d", "maxPool", "relu", "sigmoid", "tanh",
                     "reshape (to flatten)", "layers.dense", "softmax",
                     "softmaxCrossEntropyCost"];
  return new Proxy(graph, {
    get(target, key) {
      if (key in target || typeof key !== "string") return target[key];
      return () => refuse(`graph.${key}: the Model Builder cannot express this operation; ` +
                          `supported: ${supported.map((s) => "graph." + s).join(", ")}`);
    },
  });
}

function Graph() { return standardGraph(); }

class Optimizer {
  constructor(name, learningRate, extra) {
    this.optimizer = {name: name, learning_rate: learningRate, extra: extra || {},
                      line: line()};
  }
  setLearningRate(rate) { this.optimizer.learning_rate = rate; }
  dispose() {}
}
const optimizerClass = (name, extraKeys) => class extends Optimizer {
  constructor(learningRate, ...rest) {
    const extra = {};
    extraKeys.forEach((key, i) => { if (typeof rest[i] === "number") extra[key] = rest[i]; });
    super(name, learningRate, extra);
  }
};

function trainEntry(batchSize, optimizer, costId, how) {
  const last = record.trains[record.trains.length - 1];
  const opt = optimizer && optimizer.optimizer ? optimizer.optimizer : null;
  const key = show([batchSize, opt, costId, how]);
  if (last && last.key === key) { last.count += 1; return; }
  record.trains.push({key: key, batch_size: batchSize, optimizer: opt, cost: costId,
                      how: how, count: 1, line: line()});
}

class Session {
  constructor(graph, math) { this.graph = graph; }
  train(cost, feeds, batchSize, optimizer, reduction) {
    if (!(cost instanceof DLTensor) || cost.node.op !== "cost") {
      refuse("session.train: expected the cost tensor of graph.softmaxCrossEntropyCost, " +
             `received ${show(cost && cost.node ? cost.node.op : cost)}`);
    }
    if (reduction === CostReduction.SUM) {
      refuse("session.train: CostReduction.SUM: the harness averages the loss over the " +
             "batch; fix: use CostReduction.MEAN or leave it out");
    }
    trainEntry(batchSize, optimizer, cost.id, "session.train");
    return new NDArray([]);
  }
  eval(tensor) { return new NDArray(tensor && tensor.shape ? tensor.shape : []); }
  evalAll(tensors) { return (tensors || []).map((t) => this.eval(t)); }
  dispose() {}
}
const CostReduction = {NONE: 0, SUM: 1, MEAN: 2};

class InputProviderBuilder {
  constructor(arrays) { this.arrays = arrays || []; }
  getInputProviders() { return this.arrays.map(() => ({getNextCopy: () => new NDArray([]), disposeCopy() {}})); }
}

// The harness's training split of each dataset (the official training files less its 5,000
// validation images; tests/submission check these against harness/data): what a file's own
// data loader would hold, so that `epochs` of model.fit become a number of batches.
const TRAIN_SPLIT = {MNIST: 55000, Fashion_MNIST: 55000, CIFAR_10: 45000};
const EXAMPLES_HELD = 120;  // NDArrays getData() hands out: enough for the starter's slices

// A dataset of the starter: dataSets.NAME, or new dl.XhrDataset(config) in the starter that
// builds dataSets itself. `shapes` are the data entries' shapes (images, labels).
function dataSet(name, shapes) {
  const arrays = (i) => Array.from({length: EXAMPLES_HELD}, () => new NDArray(shapes[i] || []));
  const set = {
    inputShape: shapes[0],
    fetchData() {
      record.dataset = {name: `dataSets.${name}`, line: line()};
      return Promise.resolve();
    },
    getData() { return [arrays(0), arrays(1)]; },
    getDataShape(i) { return (shapes[i] || []).slice(); },
    getStats() { return shapes.map((shape) => ({shape: shape})); },
    normalizeWithinBounds(...args) {
      note(`dataSet.normalizeWithinBounds(${args.map(show).join(", ")}) is not used: ` +
           "the harness feeds its own images scaled to [0, 1]");
    },
    removeSamples() {},
    dispose() {},
  };
  return set;
}
const dataSets = {
  MNIST: dataSet("MNIST", [[28, 28, 1], [10]]),
  Fashion_MNIST: dataSet("Fashion_MNIST", [[28, 28, 1], [10]]),
  CIFAR_10: dataSet("CIFAR_10", [[32, 32, 3], [10]]),
};
// The dataset a data file's path names (the course's sprites: mnist_images.png, ...).
function datasetNamed(path) {
  const text = String(path || "").toLowerCase();
  if (text.includes("fashion")) return "Fashion_MNIST";
  if (text.includes("cifar")) return "CIFAR_10";
  return text.includes("mnist") ? "MNIST" : `its own data (${show(String(path || ""))})`;
}
function XhrDataset(config) {
  const entries = config && Array.isArray(config.data) ? config.data : [];
  const shapes = entries.map((entry) => (entry && Array.isArray(entry.shape) ? entry.shape : []));
  return dataSet(datasetNamed(entries[0] && entries[0].path), shapes);
}

// NDArrayMath: scope(fn) runs fn (training loops live in it); the rest computes nothing.
const MATH = new Proxy({
  scope: (fn) => fn((x) => x, (x) => x),
}, {get: (target, key) => key in target ? target[key] : INERT});

function mark(dialect) {
  if (record.dialect === null) record.dialect = dialect;
}
const dl = new Proxy({
  Graph: function () { mark("deeplearn.js Graph"); return standardGraph(); },
  Session: Session, CostReduction: CostReduction, NDArray: NDArray, Scalar: Scalar,
  Array1D: arrayClass(1), Array2D: arrayClass(2), Array3D: arrayClass(3), Array4D: arrayClass(4),
  Tensor: DLTensor,
  SGDOptimizer: optimizerClass("sgd", []),
  MomentumOptimizer: optimizerClass("momentum", ["momentum"]),
  RMSPropOptimizer: optimizerClass("rmsprop", ["decay"]),
  AdagradOptimizer: optimizerClass("adagrad", []),
  AdamOptimizer: optimizerClass("adam", ["beta1", "beta2"]),
  InCPUMemoryShuffledInputProviderBuilder: InputProviderBuilder, XhrDataset: XhrDataset,
  InGPUMemoryShuffledInputProviderBuilder: InputProviderBuilder,
  NDArrayMathGPU: function () { return MATH; }, NDArrayMathCPU: function () { return MATH; },
  ENV: new Proxy({math: MATH}, {get: (target, key) => key in target ? target[key] : INERT}),
  util: new Proxy({sizeFromShape: (shape) => shape.reduce((a, b) => a * b, 1),
                   shuffle: () => undefined, assert: () => undefined}, {
    get: (target, key) => key in target ? target[key] : INERT}),
}, {get: (target, key) => key in target ? target[key] : INERT});
