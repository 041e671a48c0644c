// Recording stand-ins, part 3 of 5: TensorFlow.js layers.
// The five parts are one closure: engine.py joins them inside
// `(function (STUDENT_LINES) { ... })` and keeps the control function the last part returns.
class TFTensor {
  constructor(shape) { this.shape = Array.isArray(shape) ? shape.slice() : []; this.rank = this.shape.length; }
  reshape(shape) { return tfTensor(resolveShape(shape, this.shape)); }
  dispose() {}
  dataSync() { return new Float32Array(0); }
  data() { return Promise.resolve(new Float32Array(0)); }
  print() {}
}
// A reshape's target with its one -1 worked out from the size of the tensor.
function resolveShape(shape, from) {
  if (!Array.isArray(shape)) return [];
  const size = from.reduce((a, b) => a * b, 1);
  const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  return shape.map((d) => (d === -1 && known > 0 ? Math.floor(size / known) : d));
}
// Keep TFTensor's methods; anything else a tensor offers is inert.
const tfTensor = (shape) => new Proxy(new TFTensor(shape), {
  get: (target, key) => key in target ? target[key] : (typeof key === "string" ? INERT : undefined)});
const shapeOf = (values, shape) => Array.isArray(shape) ? shape
  : (values && Array.isArray(values.shape) ? values.shape : [Array.isArray(values) ? values.length : 0]);

const LAYER_CALLS = {
  conv2d: tfConv2d, maxPooling2d: (c) => tfPool("maxpool", "maxPooling2d", c),
  maxPool2d: (c) => tfPool("maxpool", "maxPool2d", c),
  averagePooling2d: (c) => tfPool("avgpool", "averagePooling2d", c),
  avgPool2d: (c) => tfPool("avgpool", "avgPool2d", c),
  flatten: (c) => tfLayer("flatten", {}, "flatten", c),
  dense: tfDense,
  dropout: (c) => tfLayer("dropout", {rate: (c || {}).rate}, "dropout", c),
  batchNormalization: (c) => tfLayer("batchnorm", {}, "batchNormalization", c),
  activation: (c) => tfActivationLayer(c),
  reLU: (c) => tfLayer("relu", {}, "reLU", c),
  softmax: (c) => tfLayer("softmax", {}, "softmax", c),
};
function tfLayer(kind, settings, call, config) {
  const entry = layerEntry(kind, settings, `tf.layers.${call}`);
  entry.activation = config && config.activation !== undefined ? config.activation : null;
  entry.input_shape = config && config.inputShape ? config.inputShape : null;
  return {harnessLayer: entry, apply: () => refuse(`tf.layers.${call}(...).apply: only ` +
    "tf.sequential models are supported; fix: add the layer with model.add")};
}
function square(value, key, call) {
  if (Array.isArray(value)) {
    if (value.length !== 2 || value[0] !== value[1]) {
      refuse(`tf.layers.${call}: ${key} ${show(value)}: the Model Builder uses square fields ` +
             `and equal strides; fix: give one number`);
    }
    return value[0];
  }
  return value;
}
function tfConv2d(config) {
  config = config || {};
  const k = square(config.kernelSize, "kernelSize", "conv2d");
  const s = square(config.strides === undefined ? 1 : config.strides, "strides", "conv2d");
  const padding = config.padding || "valid";
  let pad = 0;
  if (padding === "same") {
    if (s !== 1 || k % 2 !== 1) {
      refuse(`tf.layers.conv2d: padding 'same' with kernelSize ${k} and strides ${s}: ` +
             "TensorFlow then pads unevenly, the Model Builder pads evenly; fix: use " +
             "padding 'valid', or 'same' with strides 1 and an odd kernelSize");
    }
    pad = (k - 1) / 2;
  } else if (padding !== "valid") {
    refuse(`tf.layers.conv2d: padding ${show(padding)}: expected 'valid' or 'same'`);
  }
  if (config.useBias === false) {
    refuse("tf.layers.conv2d: useBias false: the Model Builder's conv layer always has a bias");
  }
  return tfLayer("conv", {field_size: k, stride: s, filters: config.filters, zero_pad: pad},
                 "conv2d", config);
}
function tfPool(kind, call, config) {
  config = config || {};
  const f = square(config.poolSize === undefined ? 2 : config.poolSize, "poolSize", call);
  const s = config.strides === undefined || config.strides === null ? f
    : square(config.strides, "strides", call);
  if ((config.padding || "valid") !== "valid") {
    refuse(`tf.layers.${call}: padding ${show(config.padding)}: the Model Builder's pooling ` +
           "has no padding; fix: use padding 'valid' (the default)");
  }
  return tfLayer(kind, {field_size: f, stride: s}, call, config);
}
function tfDense(config) {
  config = config || {};
  if (config.useBias === false) {
    refuse("tf.layers.dense: useBias false: the Model Builder's dense layer always has a bias");
  }
  return tfLayer("dense", {units: config.units}, "dense", config);
}
function tfActivationLayer(config) {
  const name = (config || {}).activation;
  if (!["relu", "sigmoid", "tanh", "softmax"].includes(name)) {
    refuse(`tf.layers.activation: activation ${show(name)}: supported: 'relu', 'sigmoid', ` +
           "'tanh', and 'softmax' at the end");
  }
  return tfLayer(name, {}, "activation", {});
}
const tfLayers = new Proxy(LAYER_CALLS, {
  get(target, key) {
    if (key in target || typeof key !== "string") return target[key];
    return () => refuse(`tf.layers.${key}: the Model Builder cannot express this layer; ` +
                        `supported: ${Object.keys(LAYER_CALLS).map((k) => "tf.layers." + k).join(", ")}`);
  },
});

// tf.train.adam() may leave the rate out: TensorFlow.js then uses 0.001 (the others need one).
const DEFAULT_RATES = {adam: 0.001};
function tfOptimizer(name, keys) {
  return (learningRate = DEFAULT_RATES[name], ...rest) => {
    const extra = {};
    keys.forEach((key, i) => { if (typeof rest[i] === "number") extra[key] = rest[i]; });
    return {optimizer: {name: name, learning_rate: learningRate, extra: extra, line: line()}};
  };
}
const STRING_OPTIMIZERS = {sgd: ["sgd", 0.01], momentum: ["momentum", 0.01], adam: ["adam", 0.001],
                           rmsprop: ["rmsprop", 0.001], adagrad: ["adagrad", 0.01]};

function sequential(config) {
  mark("TensorFlow.js layers");
  const model = {id: nextId++, layers: [], compiled: null, line: line(), frames: where()};
  record.models.push(model);
  const api = {
    add(layer) {
      const found = fromPage(layer);
      if (found !== undefined) {
        refuse(`model.add: expected a layer made by tf.layers, received the value of ` +
               `${found.origin}, which is not one; the Model Builder's layers are ` +
               `${Object.keys(LAYER_CALLS).map((k) => "tf.layers." + k).join(", ")}`);
      }
      if (!layer || !layer.harnessLayer || typeof layer.harnessLayer.kind !== "string") {
        refuse(`model.add: expected a layer made by tf.layers, received ${show(layer)}`);
      }
      model.layers.push(layer.harnessLayer);  // its frames: where tf.layers.* was called
    },
    compile(options) {
      options = options || {};
      let optimizer = options.optimizer;
      if (typeof optimizer === "string") {
        const known = STRING_OPTIMIZERS[optimizer];
        if (!known) {
          refuse(`model.compile: optimizer ${show(optimizer)}: supported: ` +
                 `${Object.keys(STRING_OPTIMIZERS).map(show).join(", ")} or tf.train.*`);
        }
        optimizer = {optimizer: {name: known[0], learning_rate: known[1], extra: {}, line: line()}};
      }
      if (!optimizer || !optimizer.optimizer) {
        refuse(`model.compile: optimizer: expected a name or tf.train.sgd(rate) etc., received ${show(optimizer)}`);
      }
      const loss = options.loss;
      if (!["categoricalCrossentropy", "sparseCategoricalCrossentropy"].includes(loss)) {
        refuse(`model.compile: loss ${show(loss)}: the harness trains with softmax ` +
               "cross-entropy; fix: use 'categoricalCrossentropy'");
      }
      model.compiled = {optimizer: optimizer.optimizer, line: line()};
    },
    fit(x, y, options) {
      options = options || {};
      const examples = x && Array.isArray(x.shape) ? x.shape[0] : null;
      const split = notFromPage(options.validationSplit === undefined ? 0 : options.validationSplit,
                                "model.fit: validationSplit");
      const batchSize = notFromPage(options.batchSize === undefined ? 32 : options.batchSize,
                                    "model.fit: batchSize");
      const epochs = notFromPage(options.epochs === undefined ? 1 : options.epochs, "model.fit: epochs");
      if (!isInt(examples)) {
        refuse("model.fit: could not tell how many training examples x holds " +
               `(received ${show(x)}); fix: pass a tensor such as tf.tensor4d(data, [N, 28, 28, 1])`);
      }
      for (const [key, value] of [["epochs", epochs], ["batchSize", batchSize]]) {
        if (!isInt(value) || value < 1) refuse(`model.fit: ${key}: expected a whole number, received ${show(value)}`);
      }
      if (typeof split !== "number" || split < 0 || split >= 1) {
        refuse(`model.fit: validationSplit: expected a number from 0 to below 1, received ${show(split)}`);
      }
      // As TensorFlow.js does: the last validationSplit of x is held out, the rest is cut in
      // batches of batchSize (the last one smaller), once per epoch.
      const trainExamples = Math.floor(examples * (1 - split));
      const perEpoch = Math.ceil(trainExamples / batchSize);
      fitEntry(model, batchSize, epochs * perEpoch,
               `model.fit: ${epochs} epoch(s) of ${trainExamples} examples in batches of ${batchSize}`);
      return Promise.resolve(fitHistory());
    },
    trainOnBatch(x) {
      const size = x && Array.isArray(x.shape) ? x.shape[0] : null;
      fitEntry(model, size, 1, "model.trainOnBatch");
      return Promise.resolve(0);
    },
    fitDataset(dataset, options) {
      options = options || {};
      if (!(dataset instanceof TFDataset)) {
        refuse(`model.fitDataset: expected a tf.data dataset, received ${show(dataset)}`);
      }
      const epochs = notFromPage(options.epochs === undefined ? 1 : options.epochs, "model.fitDataset: epochs");
      const given = notFromPage(options.batchesPerEpoch, "model.fitDataset: batchesPerEpoch");
      if (!isInt(dataset.batchSize)) {
        refuse("model.fitDataset: the dataset is not cut in batches; fix: call .batch(size) on it");
      }
      const perEpoch = given !== undefined ? given
        : (isInt(dataset.size) ? Math.ceil(dataset.size / dataset.batchSize) : null);
      if (!isInt(perEpoch) || !isInt(epochs)) {
        refuse("model.fitDataset: the harness cannot tell how many batches an epoch of this " +
               "dataset holds; fix: pass batchesPerEpoch (and epochs) as numbers");
      }
      fitEntry(model, dataset.batchSize, epochs * perEpoch,
               `model.fitDataset: ${epochs} epoch(s) of ${perEpoch} batches of ${dataset.batchSize}`);
      return Promise.resolve(fitHistory());
    },
    summary() {}, predict: (x) => tfTensor([x && x.shape ? x.shape[0] : 1, 10]),
    evaluate: () => [tfTensor([]), tfTensor([])], save: () => Promise.resolve(),
  };
  ((config || {}).layers || []).forEach((layer) => api.add(layer));
  return api;
}
function fitEntry(model, batchSize, batches, how) {
  if (!model.compiled) {
    refuse("model.fit: the model is not compiled; fix: call model.compile({optimizer, loss}) first");
  }
  const last = record.trains[record.trains.length - 1];
  const key = show([model.id, batchSize, how]);
  if (last && last.key === key) { last.count += batches; return; }
  record.trains.push({key: key, batch_size: batchSize, optimizer: model.compiled.optimizer,
                      model: model.id, how: how, count: batches, line: line()});
}

function fitHistory() { return {history: {loss: [], acc: [], val_loss: [], val_acc: []}, epoch: []}; }

// tf.data datasets: what fitDataset needs is the batch size and, when known, the size.
class TFDataset {
  constructor(size, batchSize) { this.size = size; this.batchSize = batchSize; }
  batch(n) { return new TFDataset(isInt(this.size) && isInt(n) ? Math.ceil(this.size / n) * n : null, n); }
  shuffle() { return this; }
  prefetch() { return this; }
  map() { return this; }
  mapAsync() { return this; }
  repeat() { return new TFDataset(null, this.batchSize); }
  take(n) { return new TFDataset(isInt(n) ? n * (this.batchSize || 1) : null, this.batchSize); }
  skip() { return new TFDataset(null, this.batchSize); }
  filter() { return new TFDataset(null, this.batchSize); }
  forEachAsync() { return Promise.resolve(); }
  toArray() { return Promise.resolve([]); }
}
const tfData = {
  array: (items) => new TFDataset(Array.isArray(items) ? items.length : null, null),
  generator: () => new TFDataset(null, null),
  zip: (sets) => {  // an array or an object of datasets: as long as the first
    const first = sets && typeof sets === "object" ? Object.values(sets)[0] : null;
    return new TFDataset(first instanceof TFDataset ? first.size : null, null);
  },
  csv: () => new TFDataset(null, null),
};
const tfUtil = new Proxy({
  isInt: (value) => isInt(value), sizeFromShape: (shape) => shape.reduce((a, b) => a * b, 1),
  createShuffledIndices: (n) => new Uint32Array(Math.max(0, Math.min(Number(n) || 0, 1 << 20))),
  shuffle: () => undefined, assert: () => undefined,
}, {get: (target, key) => key in target ? target[key] : INERT});

function tensorMaker(values, shape) { return tfTensor(shapeOf(values, shape)); }
const tf = new Proxy({
  sequential: sequential,
  layers: tfLayers,
  train: {sgd: tfOptimizer("sgd", []), momentum: tfOptimizer("momentum", ["momentum"]),
          adam: tfOptimizer("adam", ["beta1", "beta2", "epsilon"]),
          rmsprop: tfOptimizer("rmsprop", ["decay", "momentum", "epsilon"]),
          adagrad: tfOptimizer("adagrad", ["initial_accumulator"])},
  model: () => refuse("tf.model: only tf.sequential models are supported; fix: build the " +
                      "network with tf.sequential() and model.add"),
  tensor: tensorMaker, tensor1d: tensorMaker, tensor2d: tensorMaker, tensor3d: tensorMaker,
  tensor4d: tensorMaker,
  zeros: (shape) => tfTensor(shape), ones: (shape) => tfTensor(shape),
  randomNormal: (shape) => tfTensor(shape), randomUniform: (shape) => tfTensor(shape),
  oneHot: (indices, depth) => tfTensor([shapeOf(indices)[0], depth]),
  tidy: (nameOrFn, fn) => (typeof nameOrFn === "function" ? nameOrFn : fn)(),
  nextFrame: () => Promise.resolve(),
  ready: () => Promise.resolve(),
  setBackend: () => Promise.resolve(true),
  util: tfUtil, data: tfData, dispose: () => undefined,
}, {get: (target, key) => key in target || typeof key !== "string" ? target[key] : untracked(`tf.${key}`)});

// The data classes of the labs' ./data (the harness's data pipeline replaces them).
// MnistData is the tutorial's (tfjs-examples mnist and the codelab): its training split is
// the harness's MNIST one, so model.fit(trainData.xs, ...) has that many examples.
class MnistData {
  load() {
    record.dataset = record.dataset || {name: "MNIST (MnistData of ./data)", line: line()};
    return Promise.resolve();
  }
  nextTrainBatch(size) { return {xs: tfTensor([size, 784]), labels: tfTensor([size, 10])}; }
  nextTestBatch(size) { return {xs: tfTensor([size, 784]), labels: tfTensor([size, 10])}; }
  getTrainData() {
    return {xs: tfTensor([TRAIN_SPLIT.MNIST, 28, 28, 1]), labels: tfTensor([TRAIN_SPLIT.MNIST, 10])};
  }
  getTestData(size) {
    const n = isInt(size) ? size : 10000;
    return {xs: tfTensor([n, 28, 28, 1]), labels: tfTensor([n, 10])};
  }
}
// The course's 2018 starter: new Data(imagesPath, labelsPath, imageShape, labelShape, ratio).
class CourseData {
  constructor(imagesPath, labelsPath, imageShape, labelShape) {
    this.name = datasetNamed(imagesPath);
    this.imageShape = Array.isArray(imageShape) ? imageShape.slice() : [28, 28, 1];
    this.classes = Array.isArray(labelShape) && isInt(labelShape[0]) ? labelShape[0] : 10;
    this.size = this.imageShape.reduce((a, b) => a * b, 1);
    const examples = (TRAIN_SPLIT[this.name] || TRAIN_SPLIT.MNIST) + 10000;
    this.datasetImages = {length: examples * this.size, slice: () => new Float32Array(this.size)};
    this.datasetLabels = {length: examples * this.classes, slice: () => new Uint8Array(this.classes)};
  }
  load() {
    record.dataset = {name: `${this.name} (new Data(...) of ./data)`, line: line()};
    return Promise.resolve();
  }
  batch(size) { return {xs: tfTensor([size, this.size]), labels: tfTensor([size, this.classes]), indices: []}; }
  nextTrainBatch(size) { return this.batch(size); }
  nextTestBatch(size) { return this.batch(size); }
  nextTotalBatch(size) { return this.batch(size); }
  nextBatch(size) { return this.batch(size); }
  getNthImage() { return new Float32Array(this.size); }
}
