/**
 * The official TensorFlow.js MNIST tutorial's structure: the data class of './data', a
 * network made by a function, an async train(model, data) that compiles and awaits
 * model.fit with epochs and validationSplit, tfvis charts, and an async run() started
 * when the page has loaded. Twin of submissions/tutorial/index.py.
 *
 * Parameters on 28x28x1, by hand: conv 3*3*1*16 + 16 = 160 (26x26 -> pool 13x13),
 * conv 3*3*16*32 + 32 = 4,640 (11x11 -> pool 5x5), conv 3*3*32*32 + 32 = 9,248 (3x3x32 =
 * 288), dense 288*64 + 64 = 18,496, dense 64*10 + 10 = 650: 33,194.
 * Batches: the 55,000 training images less the last 15% are 46,750 (TensorFlow.js floors
 * 55,000 * 0.85); in batches of 320 that is 147 per epoch, 441 in 3 epochs.
 */
import * as tf from '@tensorflow/tfjs';
import * as tfvis from '@tensorflow/tfjs-vis';

import {IMAGE_H, IMAGE_W, MnistData} from './data';

function createConvModel() {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({
    inputShape: [IMAGE_H, IMAGE_W, 1],
    kernelSize: 3,
    filters: 16,
    activation: 'relu'
  }));
  model.add(tf.layers.maxPooling2d({poolSize: 2, strides: 2}));
  model.add(tf.layers.conv2d({kernelSize: 3, filters: 32, activation: 'relu'}));
  model.add(tf.layers.maxPooling2d({poolSize: 2, strides: 2}));
  model.add(tf.layers.conv2d({kernelSize: 3, filters: 32, activation: 'relu'}));
  model.add(tf.layers.flatten({}));
  model.add(tf.layers.dense({units: 64, activation: 'relu'}));
  model.add(tf.layers.dense({units: 10, activation: 'softmax'}));
  return model;
}

// The tutorial's comparison network; this file trains the convolutional one.
function createDenseModel() {
  const model = tf.sequential();
  model.add(tf.layers.flatten({inputShape: [IMAGE_H, IMAGE_W, 1]}));
  model.add(tf.layers.dense({units: 42, activation: 'relu'}));
  model.add(tf.layers.dense({units: 10, activation: 'softmax'}));
  return model;
}

async function showExamples(data) {
  const surface = tfvis.visor().surface({name: 'Input Data Examples', tab: 'Input Data'});
  const examples = data.nextTestBatch(20);
  for (let i = 0; i < examples.xs.shape[0]; i++) {
    const imageTensor = tf.tidy(() =>
      examples.xs.slice([i, 0], [1, examples.xs.shape[1]]).reshape([28, 28, 1]));
    const canvas = document.createElement('canvas');
    canvas.width = 28;
    canvas.height = 28;
    await tf.browser.toPixels(imageTensor, canvas);
    surface.drawArea.appendChild(canvas);
    imageTensor.dispose();
  }
}

async function train(model, data) {
  model.compile({
    optimizer: 'rmsprop',
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });

  const batchSize = 320;
  const validationSplit = 0.15;
  const trainEpochs = 3;

  const trainData = data.getTrainData();
  const testData = data.getTestData();

  const container = {name: 'Model Training', tab: 'Model', styles: {height: '1000px'}};
  const fitCallbacks = tfvis.show.fitCallbacks(container, ['loss', 'val_loss', 'acc', 'val_acc']);

  await model.fit(trainData.xs, trainData.labels, {
    batchSize,
    validationSplit,
    epochs: trainEpochs,
    shuffle: true,
    callbacks: fitCallbacks,
  });

  const testResult = model.evaluate(testData.xs, testData.labels);
  console.log('test accuracy', testResult[1].dataSync()[0]);
}

async function run() {
  const data = new MnistData();
  await data.load();
  await showExamples(data);

  const model = createConvModel();
  tfvis.show.modelSummary({name: 'Model Architecture', tab: 'Model'}, model);
  await train(model, data);
}

document.addEventListener('DOMContentLoaded', run);
