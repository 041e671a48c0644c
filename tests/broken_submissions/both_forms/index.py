"""Broken on purpose: Both LAYERS and the code form."""

LAYERS = [
    {"layer": "conv", "field_size": 5, "stride": 1, "filters": 16, "zero_pad": 2},
    {"layer": "relu"},
    {"layer": "maxpool", "field_size": 2, "stride": 2},
    {"layer": "flatten"},
    {"layer": "dense", "units": 10},
]

FRAMEWORK = "torch"


def build_model(input_shape, num_classes):
    from torch import nn
    return nn.Sequential(nn.Flatten(), nn.LazyLinear(num_classes))
