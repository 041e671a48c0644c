"""index.js: both dialects, as students write them, recorded into Model Builder layers.

Each test writes a small index.js and loads it in this process: these are our own files
(student files run only in the sandbox, see tests/check/test_check.py).
"""

from __future__ import annotations

import textwrap

from needs import require

from harness.config import Assignment
from harness.submission.javascript import load_javascript

require("quickjs")

CONV = {"layer": "conv", "field_size": 5, "stride": 1, "filters": 16, "zero_pad": 2}
POOL = {"layer": "maxpool", "field_size": 2, "stride": 2}
HELPERS = """\
function addConvLayer(graph, previousLayer, index, fieldSize, stride, zeroPad, outputDepth) {
  const inputShape = previousLayer.shape;
  const w = graph.variable(`w${index}`,
      dl.Array4D.randNormal([fieldSize, fieldSize, inputShape[2], outputDepth], 0, 0.1));
  const b = graph.variable(`b${index}`, dl.Array1D.zeros([outputDepth]));
  return graph.conv2d(previousLayer, w, b, fieldSize, outputDepth, stride, zeroPad);
}
function addFlattenLayer(graph, previousLayer) {
  return graph.reshape(previousLayer, [dl.util.sizeFromShape(previousLayer.shape)]);
}
"""


def write(tmp_path, text: str):
    folder = tmp_path / "student"
    folder.mkdir(exist_ok=True)
    path = folder / "index.js"
    path.write_text(textwrap.dedent(text))
    return path


def starter(network: str, train: str = "") -> str:
    """A deeplearn.js starter whose runModel builds ``network`` (indented 2 spaces)."""
    train = (
        train
        or """\
      const optimizer = new dl.SGDOptimizer(0.05);
      for (let i = 0; i < NUM_BATCHES; i++) {
        session.train(cost, [], batchSize, optimizer);
      }"""
    )
    return (
        HELPERS
        + textwrap.dedent("""\
        const batchSize = 32;
        const NUM_BATCHES = 200;
        const dataSet = dataSets.Fashion_MNIST;
        function runModel() {
          const graph = new dl.Graph();
          const x = graph.placeholder('input', [28, 28, 1]);
          const labels = graph.placeholder('labels', [10]);
        """)
        + textwrap.indent(textwrap.dedent(network), "  ")
        + textwrap.dedent("""\
          const cost = graph.softmaxCrossEntropyCost(net, labels);
          const session = new dl.Session(graph, new dl.NDArrayMathGPU());
        """)
        + textwrap.dedent(train)
        + "\n}\ndataSet.fetchData().then(() => runModel());\n"
    )


def test_the_starter_dialect_records_layers_lines_and_training(tmp_path):
    path = write(
        tmp_path,
        starter("""\
        let net = addConvLayer(graph, x, 0, 5, 1, 2, 16);
        net = graph.relu(net);
        net = graph.maxPool(net, 2, 2, 0);
        net = addFlattenLayer(graph, net);
        net = graph.layers.dense('fc', net, 10);
        """),
    )
    loaded = load_javascript(path, Assignment())
    assert loaded.layers == (
        CONV,
        {"layer": "relu"},
        POOL,
        {"layer": "flatten"},
        {"layer": "dense", "units": 10},
    )
    hp = loaded.hyperparameters
    assert (hp.batch_size, hp.num_batches, hp.optimizer, hp.learning_rate) == (32, 200, "sgd", 0.05)
    sources = loaded.provenance["layer_sources"]
    lines = path.read_text().splitlines()
    assert "addConvLayer(graph, x" in lines[sources[0]["line"] - 1]
    assert "graph.conv2d(" in lines[sources[0]["via"][0] - 1]  # inside the helper
    assert [s["call"] for s in sources][1:] == [
        "graph.relu",
        "graph.maxPool",
        "graph.reshape",
        "graph.layers.dense",
    ]
    assert any("normalisation" in note for note in loaded.provenance["notes"])


def test_loops_reassigned_variables_timers_and_other_optimizers(tmp_path):
    path = write(
        tmp_path,
        starter(
            """\
        let net = x;
        const depths = [8, 16, 32];
        for (const depth of depths) {
          net = addConvLayer(graph, net, depth, 3, 1, 1, depth);
          net = depth === 32 ? graph.tanh(net) : graph.relu(net);
        }
        net = graph.maxPool(net, 2, 2, 0);
        net = addFlattenLayer(graph, net);
        net = graph.layers.dense('fc', net, 64, (h) => graph.sigmoid(h));
        net = graph.layers.dense('out', net, 10);
        """,
            train="""\
        const optimizer = new dl.MomentumOptimizer(0.02, 0.9);
        let step = 0;
        const id = setInterval(() => {
          session.train(cost, [], 50, optimizer, dl.CostReduction.MEAN);
          if (++step === 120) clearInterval(id);
        }, 0);""",
        ),
    )
    loaded = load_javascript(path, Assignment())
    kinds = [layer["layer"] for layer in loaded.layers]
    assert kinds == [
        "conv",
        "relu",
        "conv",
        "relu",
        "conv",
        "tanh",
        "maxpool",
        "flatten",
        "dense",
        "sigmoid",
        "dense",
    ]
    assert [layer["filters"] for layer in loaded.layers if layer["layer"] == "conv"] == [8, 16, 32]
    hp = loaded.hyperparameters
    assert (hp.batch_size, hp.num_batches, hp.optimizer) == (50, 120, "momentum")


def test_weights_made_with_new_keep_their_shape(tmp_path):
    path = write(
        tmp_path,
        starter("""\
        const w = graph.variable('w', dl.Array4D.new([3, 3, 1, 4], new Float32Array(36)));
        const b = graph.variable('b', dl.Array1D.new([0, 0, 0, 0]));
        let net = graph.conv2d(x, w, b, 3, 4, 1, 1);
        net = addFlattenLayer(graph, net);
        net = graph.layers.dense('out', net, 10);
        """),
    )
    loaded = load_javascript(path, Assignment())
    assert loaded.layers[0] == {
        "layer": "conv",
        "field_size": 3,
        "stride": 1,
        "filters": 4,
        "zero_pad": 1,
    }


def test_only_the_layers_that_feed_the_cost_count(tmp_path):
    path = write(
        tmp_path,
        starter("""\
        const unused = graph.relu(addConvLayer(graph, x, 9, 3, 1, 1, 4));
        let net = addFlattenLayer(graph, x);
        net = graph.layers.dense('out', net, 10);
        const predictions = graph.softmax(net);
        """),
    )
    loaded = load_javascript(path, Assignment())
    assert [layer["layer"] for layer in loaded.layers] == ["flatten", "dense"]


TFJS = """\
import * as tf from '@tensorflow/tfjs';
import {MnistData} from './data.js';

async function train() {
  const data = new MnistData();
  await data.load();
  const model = tf.sequential({layers: [
    tf.layers.conv2d({inputShape: [28, 28, 1], kernelSize: [5, 5], filters: 16,
                      padding: 'same', activation: 'relu'}),
    tf.layers.maxPooling2d({poolSize: 2}),
  ]});
  for (const units of [64]) {
    model.add(tf.layers.flatten());
    model.add(tf.layers.dense({units, activation: 'relu'}));
  }
  model.add(tf.layers.dropout({rate: 0.25}));
  model.add(tf.layers.dense({units: 10, activation: 'softmax'}));
  model.compile({optimizer: tf.train.adam(0.002), loss: 'categoricalCrossentropy'});
  const xs = tf.zeros([6000, 28, 28, 1]);
  await model.fit(xs, tf.zeros([6000, 10]), {batchSize: 100, epochs: 4,
                                           validationSplit: 0.5});
}
train();
"""


def test_the_tensorflow_js_dialect_records_sequential_compile_and_fit(tmp_path):
    loaded = load_javascript(write(tmp_path, TFJS), Assignment())
    assert loaded.layers == (
        CONV,
        {"layer": "relu"},
        POOL,
        {"layer": "flatten"},
        {"layer": "dense", "units": 64},
        {"layer": "relu"},
        {"layer": "dropout", "rate": 0.25},
        {"layer": "dense", "units": 10},
    )
    hp = loaded.hyperparameters
    # 4 epochs of the 3,000 examples left after validationSplit, in batches of 100
    assert (hp.batch_size, hp.num_batches, hp.optimizer, hp.learning_rate) == (
        100,
        120,
        "adam",
        0.002,
    )
    assert loaded.provenance["dialect"] == "TensorFlow.js layers"
    assert any("softmax" in note and "dropped" in note for note in loaded.provenance["notes"])


def test_a_multi_line_call_is_placed_on_its_first_line(tmp_path):
    path = write(tmp_path, TFJS)
    loaded = load_javascript(path, Assignment())
    first = loaded.provenance["layer_sources"][0]
    assert first["call"] == "tf.layers.conv2d"
    assert "tf.layers.conv2d({inputShape" in path.read_text().splitlines()[first["line"] - 1]


# The TensorFlow.js MNIST example of its time: one model.fit of one batch per loop step.
TFJS_FIT_LOOP = """\
import * as tf from '@tensorflow/tfjs';
import {MnistData} from './data';

const model = tf.sequential();
model.add(tf.layers.conv2d({
  inputShape: [28, 28, 1],
  kernelSize: 5,
  filters: 8,
  strides: 1,
  activation: 'relu',
  kernelInitializer: 'varianceScaling'
}));
model.add(tf.layers.maxPooling2d({poolSize: [2, 2], strides: [2, 2]}));
model.add(tf.layers.flatten());
model.add(tf.layers.dense({units: 10, kernelInitializer: 'varianceScaling',
                           activation: 'softmax'}));

const LEARNING_RATE = 0.15;
const optimizer = tf.train.sgd(LEARNING_RATE);
model.compile({optimizer: optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy']});

const BATCH_SIZE = 64;
const TRAIN_BATCHES = 150;

async function train() {
  for (let i = 0; i < TRAIN_BATCHES; i++) {
    const batch = data.nextTrainBatch(BATCH_SIZE);
    const history = await model.fit(
        batch.xs.reshape([BATCH_SIZE, 28, 28, 1]), batch.labels,
        {batchSize: BATCH_SIZE, epochs: 1});
    const loss = history.history.loss[0];
    await tf.nextFrame();
  }
}

let data;
async function load() {
  data = new MnistData();
  await data.load();
}

async function mnist() {
  await load();
  await train();
}
mnist();
"""


def test_a_fit_per_batch_loop_counts_its_batches(tmp_path):
    path = write(tmp_path, TFJS_FIT_LOOP)
    loaded = load_javascript(path, Assignment())
    assert [layer["layer"] for layer in loaded.layers] == [
        "conv",
        "relu",
        "maxpool",
        "flatten",
        "dense",
    ]
    assert loaded.layers[0]["zero_pad"] == 0  # padding 'valid', the default
    hp = loaded.hyperparameters
    assert (hp.batch_size, hp.num_batches, hp.optimizer, hp.learning_rate) == (64, 150, "sgd", 0.15)
    assert loaded.provenance["layer_sources"][0]["line"] == 5  # where the call starts
