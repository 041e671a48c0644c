/**
 * Template of the JavaScript form: the course's deeplearn.js starter, index.js.
 *
 * Hand in ONE file, submissions/<your_student_id>/index.js (the folder's name is your
 * student id). Edit runModel() and the constants as in the labs; the harness does the rest.
 *
 * What the harness does with this file: it runs it in an embedded JavaScript engine
 * against recording stand-ins of deeplearn.js (and TensorFlow.js), without a browser, a
 * GPU or the data. It records:
 *   - the layers on the path from graph.placeholder to the logits you pass to
 *     graph.softmaxCrossEntropyCost, with the line of each;
 *   - batchSize (session.train's batch size), the number of session.train calls (your
 *     NUM_BATCHES loop), the optimizer and its learning rate.
 * It then trains that network in PyTorch, TensorFlow and JAX like a Model Builder
 * submission (see submissions/template/index.py), on each graded dataset with that
 * dataset's input shape, with its own data pipeline (images scaled to [0, 1]) and weight
 * initialisation: dataSet.normalizeWithinBounds and your initialisers are not used.
 *
 * Supported calls (anything else is refused with the line and the supported list):
 *   graph.conv2d(x, w, b, fieldSize, outputDepth, stride, zeroPad)   any square field
 *   graph.maxPool(x, fieldSize, stride, 0)                            no padding
 *   graph.relu, graph.sigmoid, graph.tanh
 *   graph.reshape(x, [dl.util.sizeFromShape(x.shape)])                the flatten
 *   graph.layers.dense(name, x, units[, activation])                  after the flatten
 *   graph.softmaxCrossEntropyCost(logits, labels)                     the loss
 *   new dl.SGDOptimizer(rate), dl.MomentumOptimizer(rate, 0.9), dl.RMSPropOptimizer(rate),
 *   dl.AdagradOptimizer(rate), dl.AdamOptimizer(rate)
 * Output sizes follow floor((in + 2 * zeroPad - fieldSize) / stride) + 1. The last dense
 * layer must have one unit per class (10). Loops, helper functions and reassigned
 * variables are fine: only what the file builds counts.
 *
 * Check before handing in:  python -m harness check submissions/<your_id>/index.js
 */
import * as dl from 'deeplearn';

// Hyperparameters: batch size x number of batches is bounded by assignment.toml's budget.
const batchSize = 64;
const NUM_BATCHES = 3000;
const LEARNING_RATE = 0.01;

// The dataset you develop on: dataSets.MNIST, dataSets.Fashion_MNIST or dataSets.CIFAR_10.
// Graded runs use every dataset of the assignment, whatever this says.
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

  // The network: edit here (more triples, other fields, strides, depths).
  let net = addConvLayer(graph, x, 0, 5, 1, 2, 16);
  net = addReluLayer(graph, net);
  net = addMaxPoolLayer(graph, net, 2, 2, 0);
  net = addConvLayer(graph, net, 1, 5, 1, 2, 16);
  net = addReluLayer(graph, net);
  net = addMaxPoolLayer(graph, net, 2, 2, 0);
  net = addFlattenLayer(graph, net);
  const logits = addFcLayer(graph, net, 2, NUM_CLASSES);

  const costTensor = graph.softmaxCrossEntropyCost(logits, labels);
  const math = new dl.NDArrayMathGPU();
  const session = new dl.Session(graph, math);
  const optimizer = new dl.SGDOptimizer(LEARNING_RATE);
  const [images, classes] = dataSet.getData();
  const providers = new dl.InCPUMemoryShuffledInputProviderBuilder([images, classes])
      .getInputProviders();
  const feeds = [{tensor: x, data: providers[0]}, {tensor: labels, data: providers[1]}];

  for (let i = 0; i < NUM_BATCHES; i++) {
    math.scope(() => {
      session.train(costTensor, feeds, batchSize, optimizer, dl.CostReduction.MEAN);
    });
  }
}

dataSet.fetchData().then(() => runModel());
