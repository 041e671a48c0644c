"""The convolutional network of the official TensorFlow.js MNIST tutorial: three 3x3
convolutions (16, 32, 32 filters, no padding) with 2x2 pooling after the first two, then
a 64-unit hidden layer. 33,194 parameters on 28x28x1, 47,818 on 32x32x3.

Model Builder form: the harness builds this list in torch, TensorFlow and JAX alike. Twin
of submissions/tutorial_tfjs/index.js, whose model.fit settings (3 epochs, batches of 320,
validationSplit 0.15) come to 441 batches over the harness's 55,000 training images.
"""

HYPERPARAMETERS = {"batch_size": 320, "num_batches": 441, "learning_rate": 0.001,
                   "optimizer": "rmsprop"}

LAYERS = [
    {"layer": "conv", "field_size": 3, "stride": 1, "filters": 16, "zero_pad": 0},
    {"layer": "relu"},
    {"layer": "maxpool", "field_size": 2, "stride": 2},
    {"layer": "conv", "field_size": 3, "stride": 1, "filters": 32, "zero_pad": 0},
    {"layer": "relu"},
    {"layer": "maxpool", "field_size": 2, "stride": 2},
    {"layer": "conv", "field_size": 3, "stride": 1, "filters": 32, "zero_pad": 0},
    {"layer": "relu"},
    {"layer": "flatten"},
    {"layer": "dense", "units": 64},
    {"layer": "relu"},
    {"layer": "dense", "units": 10},
]
