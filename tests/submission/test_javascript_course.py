"""index.js as the course's real files are written: the 2018 TensorFlow.js starter of
Assignments 2-3 and its hand-ins, the official TensorFlow.js tutorial (the codelab's and
tfjs-examples' structures, fitDataset and trainOnBatch loops), and what the page does.

Each test writes our own small file in the style of those files (docs/javascript.md lists
the calls they make) and loads it in this process; the deeplearn.js starter's own shape is
submissions/two_triples_removed_js (tests/submission/test_javascript_examples.py).
"""

from __future__ import annotations

import re
import textwrap

import pytest
from needs import require

from harness.config import Assignment
from harness.data.loader import DEFAULT_VALIDATION_SIZE
from harness.data.registry import DATASETS
from harness.errors import SubmissionError
from harness.submission import spec
from harness.submission.javascript import load_javascript
from harness.submission.javascript.engine import STANDIN

require("quickjs")

DENSE_MODEL = """\
const model = tf.sequential();
model.add(tf.layers.flatten({inputShape: image_shape}));
model.add(tf.layers.dense({units: 100, kernelInitializer: 'varianceScaling'}));
model.add(tf.layers.reLU());
model.add(tf.layers.dense({units: 10, kernelInitializer: 'varianceScaling'}));
model.add(tf.layers.softmax());
model.compile({optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy']});
"""
# The 2018 starter: datasets by name, the labs' Data class, one model.fit per batch.
COURSE_2018 = """\
import * as tf from '@tensorflow/tfjs';
import { Data } from './data';
import { isInt } from './node_modules/@tensorflow/tfjs-core/dist/util';
import * as ui from './ui';
import fashion_sprite from './fashion_mnist_images.png';

const xhrDatasetConfigs = {
  MNIST: {data: [{name: 'images', path: 'mnist_images.png', dataType: 'png',
                  shape: [28, 28, 1]},
                 {name: 'labels', path: 'mnist_labels_uint8', dataType: 'uint8',
                  shape: [10], label_id: null}]},
  Fashion_MNIST: {data: [{name: 'images', path: fashion_sprite, dataType: 'png',
                          shape: [28, 28, 1]},
                         {name: 'labels', path: 'fashion_mnist_labels_uint8',
                          dataType: 'uint8', shape: [10]}]},
};
const datasetName = 'Fashion_MNIST';
//const datasetName = 'MNIST';
const image_shape = xhrDatasetConfigs[datasetName]['data'][0]['shape'];
const TRAIN_TEST_RATIO = 5 / 6;

let data;
let num_images;
async function loadData() {
  const config = xhrDatasetConfigs[datasetName]['data'];
  data = new Data(config[0]['path'], config[1]['path'], image_shape, config[1]['shape'],
                  TRAIN_TEST_RATIO);
  await data.load();
  num_images = data.datasetImages.length / image_shape.reduce((a, b) => a * b);
}

const BATCH_SIZE = 20;
const NUM_BATCHES = 50;
const DO_TESTING = true;
const TEST_BATCH_SIZE = 10;
const TEST_ITERATION_FREQUENCY = 5;

MODEL
async function train() {
  ui.isTraining();
  const lossValues = [];
  for (let i = 0; i < NUM_BATCHES; i++) {
    const [batch, validationData] = tf.tidy(() => {
      const batch = data.nextTrainBatch(BATCH_SIZE);
      batch.xs = batch.xs.reshape([BATCH_SIZE].concat(image_shape));
      let validationData;
      if (i % TEST_ITERATION_FREQUENCY === 0 && DO_TESTING) {
        const testBatch = data.nextTestBatch(TEST_BATCH_SIZE);
        validationData = [testBatch.xs.reshape([TEST_BATCH_SIZE].concat(image_shape)),
                          testBatch.labels];
      }
      return [batch, validationData];
    });
    const history = await model.fit(batch.xs, batch.labels,
                                    {batchSize: BATCH_SIZE, validationData, epochs: 1});
    lossValues.push({'batch': i, 'loss': history.history.loss[0], 'set': 'train'});
    ui.plotLosses(lossValues);
    tf.dispose([batch, validationData]);
    await tf.nextFrame();
  }
}

async function showPredictions() {
  const batch = data.nextTotalBatch(50);
  tf.tidy(() => {
    const output = model.predict(batch.xs.reshape([-1].concat(image_shape)));
    const labels = Array.from(batch.labels.argMax(1).dataSync());
    const predictions = Array.from(output.argMax(1).dataSync());
    ui.showTestResults(batch, predictions, labels, image_shape);
  });
}

async function identifyImage() {
  const n = document.getElementById("imageNumber").value;
  if (n >= 0 && n < num_images && isInt(n)) {
    const image = await data.getNthImage(n);
    const classes = await model.predict(tf.tensor4d(image, [1].concat(image_shape)));
    ui.showResults(await classes.data());
  } else {
    throw "Input must be an integer between 0 and " + (num_images - 1);
  }
}

async function setupdoc() {
  document.getElementById("imageIdentifier").innerText = "Enter an integer:";
  const input = document.createElement('input');
  input.id = "imageNumber";
  const submit = document.createElement('button');
  submit.onclick = await identifyImage;
  document.getElementById("imageIdentifier").appendChild(submit);
}

async function init() {
  document.getElementById('title').innerText = 'Train ' + datasetName;
  await loadData();
  await train();
  if (DO_TESTING) {
    await setupdoc();
    showPredictions();
  }
}
init();
"""
# The codelab: globals tf and tfvis from script tags, run() once the page has loaded.
CODELAB = """\
import {MnistData} from './data.js';

async function showExamples(data) {
  const surface = tfvis.visor().surface({name: 'Input Data Examples', tab: 'Input Data'});
  const examples = data.nextTestBatch(20);
  for (let i = 0; i < examples.xs.shape[0]; i++) {
    const imageTensor = tf.tidy(() => examples.xs.slice([i, 0], [1, 784]).reshape([28, 28, 1]));
    const canvas = document.createElement('canvas');
    canvas.width = 28;
    await tf.browser.toPixels(imageTensor, canvas);
    surface.drawArea.appendChild(canvas);
  }
}

function getModel() {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({inputShape: [28, 28, 1], kernelSize: 5, filters: 8,
                              strides: 1, activation: 'relu',
                              kernelInitializer: 'varianceScaling'}));
  model.add(tf.layers.maxPooling2d({poolSize: [2, 2], strides: [2, 2]}));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({units: 10, kernelInitializer: 'varianceScaling',
                             activation: 'softmax'}));
  model.compile({optimizer: tf.train.adam(), loss: 'categoricalCrossentropy',
                 metrics: ['accuracy']});
  return model;
}

async function train(model, data) {
  const fitCallbacks = tfvis.show.fitCallbacks({name: 'Model Training', tab: 'Model'},
                                               ['loss', 'val_loss', 'acc', 'val_acc']);
  const BATCH_SIZE = 512;
  const TRAIN_DATA_SIZE = 5500;
  const TEST_DATA_SIZE = 1000;
  const [trainXs, trainYs] = tf.tidy(() => {
    const d = data.nextTrainBatch(TRAIN_DATA_SIZE);
    return [d.xs.reshape([TRAIN_DATA_SIZE, 28, 28, 1]), d.labels];
  });
  const [testXs, testYs] = tf.tidy(() => {
    const d = data.nextTestBatch(TEST_DATA_SIZE);
    return [d.xs.reshape([TEST_DATA_SIZE, 28, 28, 1]), d.labels];
  });
  return model.fit(trainXs, trainYs, {batchSize: BATCH_SIZE, validationData: [testXs, testYs],
                                      epochs: 10, shuffle: true, callbacks: fitCallbacks});
}

async function run() {
  const data = new MnistData();
  await data.load();
  await showExamples(data);
  const model = getModel();
  tfvis.show.modelSummary({name: 'Model Architecture', tab: 'Model'}, model);
  await train(model, data);
  const classAccuracy = await tfvis.metrics.perClassAccuracy(null, null);
  tfvis.show.perClassAccuracy({name: 'Accuracy'}, classAccuracy, []);
}

document.addEventListener('DOMContentLoaded', run);
"""
TUTORIAL_MODEL = """\
import * as tf from '@tensorflow/tfjs';
import {IMAGE_H, IMAGE_W, MnistData} from './data';
import * as ui from './ui';

function createDenseModel() {
  const model = tf.sequential();
  model.add(tf.layers.flatten({inputShape: [IMAGE_H, IMAGE_W, 1]}));
  model.add(tf.layers.dense({units: 42, activation: 'relu'}));
  model.add(tf.layers.dense({units: 10, activation: 'softmax'}));
  model.compile({optimizer: tf.train.sgd(0.15), loss: 'categoricalCrossentropy'});
  return model;
}
"""


def write(tmp_path, text: str):
    folder = tmp_path / "student"
    folder.mkdir(exist_ok=True)
    path = folder / "index.js"
    path.write_text(textwrap.dedent(text))
    return path


def load(tmp_path, text: str):
    return load_javascript(write(tmp_path, text), Assignment())


def refusal(tmp_path, text: str) -> list[str]:
    with pytest.raises(SubmissionError) as raised:
        load(tmp_path, text)
    return raised.value.problems


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of ``text`` holding ``fragment`` (the first)."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def settings(loaded) -> tuple:
    hp = loaded.hyperparameters
    return hp.batch_size, hp.num_batches, hp.optimizer, hp.learning_rate


def test_the_2018_course_starter_records_its_model_and_batch_loop(tmp_path):
    loaded = load(tmp_path, COURSE_2018.replace("MODEL\n", DENSE_MODEL))
    assert [layer["layer"] for layer in loaded.layers] == ["flatten", "dense", "relu", "dense"]
    # 784 * 100 + 100 = 78,500 and 100 * 10 + 10 = 1,010; the softmax layer is the loss's
    assert spec.param_count(loaded.layers, (28, 28, 1)) == 79_510
    # one model.fit of 20 examples (one batch) in each of the 50 loop turns
    assert settings(loaded) == (20, 50, "sgd", 0.01)
    notes = " ".join(loaded.provenance["notes"])
    assert "Fashion_MNIST" in notes and "softmax" in notes


def test_the_codelab_runs_once_the_page_has_loaded(tmp_path):
    loaded = load(tmp_path, CODELAB)
    # 5*5*1*8 + 8 = 208; pooled 12x12x8 = 1,152 inputs to 10 units: 11,530
    assert spec.param_count(loaded.layers, (28, 28, 1)) == 208 + 11_530
    # 10 epochs of 5,500 examples in batches of 512: 11 batches each; adam() at 0.001
    assert settings(loaded) == (512, 110, "adam", 0.001)


def test_epochs_and_validation_split_count_batches_over_the_training_split(tmp_path):
    loaded = load(
        tmp_path,
        TUTORIAL_MODEL
        + """
        async function run() {
          const data = new MnistData();
          await data.load();
          const model = createDenseModel();
          const trainData = data.getTrainData();
          await model.fit(trainData.xs, trainData.labels,
                          {batchSize: 128, validationSplit: 0.2, epochs: 2});
        }
        run();
        """,
    )
    # 55,000 training images less 20% are 44,000: 344 batches of 128 (the last of 96) a time
    assert settings(loaded) == (128, 688, "sgd", 0.15)


def test_fit_dataset_counts_epochs_of_batches(tmp_path):
    body = """
        const model = createDenseModel();
        async function run() {
          const xs = tf.data.array(new Array(1000).fill(0));
          await model.fitDataset(tf.data.zip({xs, ys: xs}).batch(100), {epochs: 3});
          await model.fitDataset(GENERATED, {epochs: 2, batchesPerEpoch: 7});
        }
        run();
        """
    generated = "tf.data.generator(function* () {}).shuffle(64).batch(100)"
    loaded = load(tmp_path, TUTORIAL_MODEL + body.replace("GENERATED", generated))
    assert settings(loaded) == (100, 3 * 10 + 2 * 7, "sgd", 0.15)
    text = TUTORIAL_MODEL + body.replace(", batchesPerEpoch: 7", "").replace("GENERATED", generated)
    (problem,) = refusal(tmp_path, text)
    at = line_of(text, "fitDataset(tf.data.generator")
    assert problem.startswith(f"line {at}: model.fitDataset")  # after an await: no caller
    assert "cannot tell how many batches" in problem and "batchesPerEpoch" in problem


def test_a_train_on_batch_loop_counts_its_calls(tmp_path):
    loaded = load(
        tmp_path,
        TUTORIAL_MODEL
        + """
        async function train(model, data) {
          for (let i = 0; i < 150; ++i) {
            const batch = data.nextTrainBatch(64);
            const loss = await model.trainOnBatch(batch.xs.reshape([64, 28, 28, 1]),
                                                  batch.labels);
            ui.plotLoss(i, loss, 'train');
            await tf.nextFrame();
          }
        }
        async function run() {
          const data = new MnistData();
          await data.load();
          await train(createDenseModel(), data);
        }
        window.onload = run;
        """,
    )
    assert settings(loaded) == (64, 150, "sgd", 0.15)


def test_training_behind_a_button_is_refused_naming_where_it_waits(tmp_path):
    text = TUTORIAL_MODEL + textwrap.dedent("""
        ui.setTrainButtonCallback(async () => {
          const model = createDenseModel();
          await model.fit(tf.zeros([100, 28, 28, 1]), tf.zeros([100, 10]), {epochs: 1});
        });
        """)
    problems = refusal(tmp_path, text)
    at = line_of(text, "ui.setTrainButtonCallback")
    assert f"line {at}: ui.setTrainButtonCallback(...) waits for someone to act" in (
        " ".join(problems)
    )
    clicked = text.replace(
        "ui.setTrainButtonCallback(", "document.getElementById('go').addEventListener('click', "
    )
    assert any("waits for someone to act" in p for p in refusal(tmp_path, clicked))


def test_a_network_or_training_read_from_the_page_is_refused_naming_the_call(tmp_path):
    epochs = TUTORIAL_MODEL + textwrap.dedent("""
        const trainEpochs = ui.getTrainEpochs();
        createDenseModel().fit(tf.zeros([100, 28, 28, 1]), tf.zeros([100, 10]),
                               {epochs: trainEpochs});
        """)
    (problem,) = refusal(tmp_path, epochs)
    assert f"ui.getTrainEpochs() at line {line_of(epochs, 'ui.getTrainEpochs')}" in problem
    assert "model.fit: epochs" in problem and "the page supplies" in problem
    units = epochs.replace("units: 42", "units: document.getElementById('hidden').valueAsNumber")
    (problem,) = refusal(tmp_path, units)
    assert problem.startswith(f"line {line_of(units, 'hidden')} (called from line ")
    assert "tf.layers.dense: units is the value of document.getElementById() at line" in problem
    chosen = TUTORIAL_MODEL + textwrap.dedent("""
        function createModel() {
          const modelType = ui.getModelTypeId();
          if (modelType === 'DenseNet') return createDenseModel();
          throw new Error(`Invalid model type: ${modelType}`);
        }
        createModel();
        """)
    problems = " ".join(refusal(tmp_path, chosen))
    assert f"line {line_of(chosen, 'getModelTypeId')}" in problems
    assert "reads ui.getModelTypeId() from the page" in problems


def test_layers_and_ops_the_model_builder_lacks_are_refused_naming_the_line(tmp_path):
    leaky = COURSE_2018.replace(
        "MODEL\n", DENSE_MODEL.replace("tf.layers.reLU()", "tf.layers.leakyReLU()")
    )
    (problem,) = refusal(tmp_path, leaky)
    assert problem.startswith(f"line {line_of(leaky, 'leakyReLU')}: tf.layers.leakyReLU:")
    op = COURSE_2018.replace(
        "MODEL\n",
        DENSE_MODEL.replace(
            "model.add(tf.layers.reLU());",
            "model.add(tf.localResponseNormalization({depth_radius: 5}));",
        ),
    )
    (problem,) = refusal(tmp_path, op)
    assert problem.startswith(f"line {line_of(op, 'localResponse')}: model.add: expected a layer")
    assert "tf.localResponseNormalization()" in problem


def test_imports_other_than_the_labs_files_are_refused(tmp_path):
    text = "import * as tf from '@tensorflow/tfjs';\nimport {createModel} from './model';\n"
    (problem,) = refusal(tmp_path, text)
    assert problem.startswith('line 2: import of "./model": not available when grading')


def test_browser_apis_are_inert_wherever_they_are_called(tmp_path):
    loaded = load(
        tmp_path,
        TUTORIAL_MODEL
        + """
        const canvas = document.createElement('canvas');
        const ctx = canvas.getContext('2d');
        const pixels = new ImageData(28, 28);
        pixels.data[0] = 255;
        ctx.putImageData(pixels, 0, 0);
        document.getElementById('status').innerText = `loss ${performance.now()}`;
        console.log('start'); console.group('x'); alert('hello');
        tfvis.visor().surface({name: 'x'}).drawArea.appendChild(canvas);
        localStorage.setItem('k', JSON.stringify([1]));
        """
        + "createDenseModel().fit(tf.zeros([64, 28, 28, 1]), tf.zeros([64, 10]), {});\n",
    )
    assert settings(loaded) == (32, 2, "sgd", 0.15)  # TensorFlow.js's default batch of 32


def test_the_stand_ins_training_split_is_the_harnesss():
    """model.fit over the data stand-in's training set counts the harness's own images."""
    text = (STANDIN / "deeplearn.js").read_text()
    found = dict(re.findall(r"(\w+): (\d+)", re.search(r"TRAIN_SPLIT = \{(.*?)\}", text)[1]))
    names = {"MNIST": "mnist", "Fashion_MNIST": "fashion_mnist", "CIFAR_10": "cifar10"}
    for name, count in found.items():
        expected = DATASETS[names[name]].train_count - DEFAULT_VALIDATION_SIZE
        assert int(count) == expected, name
