/**
 * The original with pooling stride 5 (2x2 fields): pools skip pixels.
 *
 * The course's deeplearn.js starter, as handed in: the harness records the network that
 * runModel() builds and the settings of its training loop, then trains that network in
 * PyTorch, TensorFlow and JAX like a Model Builder submission. Twin of
 * submissions/pool_stride_5/index.py: the same layers (7,002 parameters on 28x28x1).
 */
import * as dl from 'deeplearn';

// Hyperparameters.
const batchSize = 64;
const NUM_BATCHES = 3000;
const LEARNING_RATE = 0.01;
const MOMENTUM = 0.9;

// The dataset: dataSets.MNIST, dataSets.Fashion_MNIST or dataSets.CIFAR_10.
const dataSet = dataSets.MNIST;
const IMAGE_SHAPE = [28, 28, 1];
const NUM_CLASSES = 10;

function addConvLayer(graph, previousLayer, index, fieldSize, stride, zeroPad, outputDepth) {
  const inputShape = previousLayer.shape;
  const wShape = [fieldSize, fieldSize, inputShape[2], outputDepth];
  const w = dl.Array4D.randTruncatedNormal(wShape, 0, 0.1);
  const b = dl.Array1D.zeros([outputDepth]);
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

function addFlattenLayer(graph, previousLayer) {
  return graph.reshape(previousLayer, [dl.util.sizeFromShape(previousLayer.shape)]);
}

function addFcLayer(graph, previousLayer, index, hiddenUnits) {
  return graph.layers.dense(`fully_connected_${index}`, previousLayer, hiddenUnits);
}

function runModel() {
  const graph = new dl.Graph();
  const x = graph.placeholder('input', IMAGE_SHAPE);
  const labels = graph.placeholder('labels', [NUM_CLASSES]);

  let net = addConvLayer(graph, x, 0, 5, 1, 2, 16);
  net = addReluLayer(graph, net);
  net = addMaxPoolLayer(graph, net, 2, 5, 0);
  net = addConvLayer(graph, net, 1, 5, 1, 2, 16);
  net = addReluLayer(graph, net);
  net = addMaxPoolLayer(graph, net, 2, 5, 0);
  net = addFlattenLayer(graph, net);
  const logits = addFcLayer(graph, net, 2, NUM_CLASSES);
  const costTensor = graph.softmaxCrossEntropyCost(logits, labels);
  const predictions = graph.softmax(logits);

  const math = new dl.NDArrayMathGPU();
  const session = new dl.Session(graph, math);
  const optimizer = new dl.MomentumOptimizer(LEARNING_RATE, MOMENTUM);
  const [images, classes] = dataSet.getData();
  const providers = new dl.InCPUMemoryShuffledInputProviderBuilder([images, classes])
      .getInputProviders();
  const feeds = [{tensor: x, data: providers[0]}, {tensor: labels, data: providers[1]}];

  for (let i = 0; i < NUM_BATCHES; i++) {
    math.scope(() => {
      const cost = session.train(costTensor, feeds, batchSize, optimizer,
                                 dl.CostReduction.MEAN);
      if (i % 100 === 0) {
        console.log(`batch ${i}: cost ${cost.get()}`);
      }
    });
  }
}

dataSet.fetchData().then(() => {
  dataSet.normalizeWithinBounds(0, -1, 1);
  runModel();
});
