"""Not hostile: a tiny honest Model Builder submission, runnable in every framework."""

HYPERPARAMETERS = {"batch_size": 16, "num_batches": 6, "learning_rate": 0.01, "optimizer": "sgd"}
LAYERS = [
    {"layer": "conv", "field_size": 3, "stride": 1, "filters": 4, "zero_pad": 1},
    {"layer": "relu"},
    {"layer": "maxpool", "field_size": 2, "stride": 2},
    {"layer": "flatten"},
    {"layer": "dense", "units": 10},
]
