/**
 * The assignment's original network written with TensorFlow.js layers: two conv(5x5,
 * 16 filters, relu) -> maxpool(2x2) blocks, then a dense layer to the 10 classes.
 *
 * The harness records the tf.sequential model, model.compile's optimizer and model.fit's
 * batch size and epochs, then trains that network in PyTorch, TensorFlow and JAX like a
 * Model Builder submission. Twin of submissions/original/index.py: the same layers
 * (14,682 parameters on 28x28x1) and 15 epochs of 12,800 examples in batches of 64 are
 * its 3,000 batches.
 */
import * as tf from '@tensorflow/tfjs';
import {MnistData} from './data.js';

const BATCH_SIZE = 64;
const EPOCHS = 15;
const TRAIN_EXAMPLES = 12800;
const LEARNING_RATE = 0.01;

function convBlock(model, options) {
  model.add(tf.layers.conv2d({
    kernelSize: 5,
    filters: 16,
    strides: 1,
    padding: 'same',
    activation: 'relu',
    ...options,
  }));
  model.add(tf.layers.maxPooling2d({poolSize: 2, strides: 2}));
}

function buildModel() {
  const model = tf.sequential();
  convBlock(model, {inputShape: [28, 28, 1]});
  convBlock(model, {});
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({units: 10, activation: 'softmax'}));
  model.compile({
    optimizer: tf.train.momentum(LEARNING_RATE, 0.9),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return model;
}

async function run() {
  const data = new MnistData();
  await data.load();
  const model = buildModel();
  const [xs, labels] = tf.tidy(() => {
    const batch = data.nextTrainBatch(TRAIN_EXAMPLES);
    return [batch.xs.reshape([TRAIN_EXAMPLES, 28, 28, 1]), batch.labels];
  });
  await model.fit(xs, labels, {batchSize: BATCH_SIZE, epochs: EPOCHS, shuffle: true});
}

run();
