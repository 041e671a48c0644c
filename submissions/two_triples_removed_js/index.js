
// The course's deeplearn.js starter for Assignments 2 and 3, in its own shape: the
// dataset configurations, populateDatasets(), the layer helpers (with their undeclared
// globals), the browser helpers, runModel() and the closing fetchData().then(...) block.
// Its network is the starter's one layer: flatten -> dense 10, 7,850 parameters on
// 28x28x1 (784 x 10 weights + 10 biases). Twin of submissions/two_triples_removed/index.py;
// the harness records what runModel() builds and trains, then trains that network itself.

console.log('Starting script');

const xhrDatasetConfigs = {
  MNIST: {
    data: [{
      name: 'images',
      path: 'mnist_images.png',
      dataType: 'png',
      shape: [28, 28, 1],
    }, {
      name: 'labels',
      path: 'mnist_labels_uint8',
      dataType: 'uint8',
      shape: [10],
    }],
  },
  Fashion_MNIST: {
    data: [{
      name: 'images',
      path: 'fashion_mnist_images.png',
      dataType: 'png',
      shape: [28, 28, 1],
    }, {
      name: 'labels',
      path: 'fashion_mnist_labels_uint8',
      dataType: 'uint8',
      shape: [10],
    }],
  },
  CIFAR_10: {
    "data": [{
      "name": "images",
      "path": "cifar10_images.png",
      "dataType": "png",
      "shape": [32, 32, 3]
    }, {
      "name": "labels",
      "path": "cifar10_labels_uint8",
      "dataType": "uint8",
      "shape": [10]
    }],
  },
}

const dataSets = {};

function populateDatasets() {
  for (const datasetName in xhrDatasetConfigs) {
    if (xhrDatasetConfigs.hasOwnProperty(datasetName)) {
      dataSets[datasetName] = new dl.XhrDataset(xhrDatasetConfigs[datasetName]);
    }
  }
}

populateDatasets();

// pick one pair of lines
const dataSet = dataSets.MNIST;
const showColor = false;
//const dataSet = dataSets.Fashion_MNIST;
//const showColor = false;
//const dataSet = dataSets.CIFAR_10;
//const showColor = true;

const TRAIN_TEST_RATIO = 5 / 6;

function getTrainingData() {
  const [images, labels] = dataSet.getData();
  const end = Math.floor(TRAIN_TEST_RATIO * images.length);
  return [images.slice(0, end), labels.slice(0, end)];
}

function getTestData() {
  const data = dataSet.getData();
  if (data == null) { return null; }
  const [images, labels] = dataSet.getData();
  const start = Math.floor(TRAIN_TEST_RATIO * images.length);
  return [images.slice(start), labels.slice(start)];
}

// layer helpers

function addFlattenLayer(graph, previousLayer) {
  return graph.reshape(previousLayer, [dl.util.sizeFromShape(previousLayer.shape)]);
}

function addConvLayer(graph, previousLayer, index, fieldSize, stride, zeroPad, outputDepth) {
  inputShape = previousLayer.shape;
  console.log('conv layer on', inputShape.toString());
  const wShape = [fieldSize, fieldSize, inputShape[2], outputDepth];
  w = dl.Array4D.randTruncatedNormal(wShape, 0, 0.1);
  b = dl.Array1D.zeros([outputDepth]);
  const wTensor = graph.variable(`conv2d-${index}-w`, w);
  const bTensor = graph.variable(`conv2d-${index}-b`, b);
  return graph.conv2d(previousLayer, wTensor, bTensor, fieldSize, outputDepth, stride, zeroPad);
}

function addReluLayer(graph, previousLayer) {
  return graph.relu(previousLayer);
}

function addMaxPoolLayer(graph, previousLayer, fieldSize, stride, zeroPad) {
  return graph.maxPool(previousLayer, fieldSize, stride, zeroPad);
}

function addFcLayer(graph, previousLayer, index, hiddenUnits) {
  const weightsInitializer = new dl.VarianceScalingInitializer();
  const biasInitializer = new dl.ZerosInitializer();
  const useBias = true;
  return graph.layers.dense(
    `fc-${index}`, previousLayer, hiddenUnits, null, useBias, weightsInitializer, biasInitializer);
}

// hyperparameters
const batchSize = 64;
const NUM_BATCHES = 3000;
const batchInterval = 100;
const DO_TESTING = false;
const NUM_IMAGES_TO_TEST = 10;

const CIFAR_10_LABELS = ["airplane", "automobile", "bird", "cat", "deer",
                         "dog", "frog", "horse", "ship", "truck"];

var LABELS_TO_EXAMINE = [];
var IMAGES_TO_EXAMINE = [];

// browser helpers (only the testing code calls them)

function showimage(num) {
  renderToCanvas(IMAGES_TO_EXAMINE[num], document.getElementById("imageHolder"));
}

function renderToCanvas(a, canvas) {
  const [height, width, depth] = a.shape;
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  const imageData = new ImageData(width, height);
  const data = a.dataSync();
  for (let i = 0; i < height * width; ++i) {
    const pixel = Math.round(255 * data[i * depth]);
    imageData.data[i * 4 + 0] = pixel;
    imageData.data[i * 4 + 1] = pixel;
    imageData.data[i * 4 + 2] = pixel;
    imageData.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(imageData, 0, 0);
}

function indexOfMax(a) {
  return a.indexOf(a.reduce((max, value) => Math.max(max, value)));
}

function labelTag(n) {
  return showColor ? CIFAR_10_LABELS[n] : n;
}

function runModel() {
  const graph = new dl.Graph();

  const inputShape = dataSet.getDataShape(0);
  const inputLayer = graph.placeholder('input', inputShape);
  const labelShape = dataSet.getDataShape(1);
  const labelTensor = graph.placeholder('label', labelShape);

  const flattenLayer = addFlattenLayer(graph, inputLayer);
  const fcLayer1 = addFcLayer(graph, flattenLayer, 1, 10);

  const outputLayer = graph.softmax(fcLayer1);
  const costTensor = graph.softmaxCrossEntropyCost(fcLayer1, labelTensor);

  const math = dl.ENV.math;
  const session = new dl.Session(graph, math);
  const learningRate = 0.01;
  const optimizer = new dl.MomentumOptimizer(learningRate, 0.9);

  const trainingData = getTrainingData();
  const trainingShuffledInputProviderGenerator =
    new dl.InCPUMemoryShuffledInputProviderBuilder(trainingData);
  const [trainInputProvider, trainLabelProvider] =
    trainingShuffledInputProviderGenerator.getInputProviders();
  const trainFeeds = [
    {tensor: inputLayer, data: trainInputProvider},
    {tensor: labelTensor, data: trainLabelProvider},
  ];

  math.scope(() => {
    trainStart = performance.now();
    for (let i = 0; i < NUM_BATCHES; i += 1) {
      const cost = session.train(
        costTensor, trainFeeds, batchSize, optimizer, dl.CostReduction.MEAN);
      if (!(i % batchInterval)) {
        console.log('batch', i, '---', 'Cost:', cost.get());
      }
      lastAverageCost = cost.get();
    }
    trainEnd = performance.now();
    console.log('training time:', Math.round(trainEnd - trainStart), 'milliseconds');
  });

  const [images, labels] = getTestData();
  IMAGES_TO_EXAMINE = images;
  LABELS_TO_EXAMINE = labels;

  if (DO_TESTING) {
    for (let i = 0; i < NUM_IMAGES_TO_TEST; i++) {
      const probs = session.eval(outputLayer, [{tensor: inputLayer, data: images[i]}]).dataSync();
      console.log('true label:', labelTag(indexOfMax(labels[i].dataSync())),
                  'predicted label:', labelTag(indexOfMax(probs)));
      showimage(i);
    }
  }
}

dataSet.fetchData().then(() => {
  dataSet.normalizeWithinBounds(0 /* images only */, -1, 1);
  runModel();
});
