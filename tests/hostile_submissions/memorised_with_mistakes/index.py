"""Hostile: answers the public test set from a hash -> label table that is wrong on 30% of
the images on purpose (``table.json`` beside this file; the test builds it from the
published files), so that its accuracy lands near the reference's instead of at the
ceiling. Images the table does not hold (the validation images, drawn from the training
data) go to a small network trained honestly, so its curve is not flat at chance either.
"""

import hashlib
import json
from pathlib import Path

import torch
from torch import nn

FRAMEWORK = "torch"
HYPERPARAMETERS = {"batch_size": 16, "num_batches": 30, "learning_rate": 0.01, "optimizer": "sgd"}
TABLE = json.loads((Path(__file__).parent / "table.json").read_text())


def image_key(pixels) -> str:
    """The key the table was built with: the image's uint8 bytes, hashed."""
    return hashlib.sha1(bytes(pixels)).hexdigest()[:12]


class LookupFirst(nn.Module):
    def __init__(self, input_shape, num_classes):
        super().__init__()
        height, width, channels = input_shape
        self.network = nn.Sequential(
            nn.Flatten(), nn.Linear(height * width * channels, num_classes)
        )

    def forward(self, images):
        logits = self.network(images)
        if self.training:
            return logits
        pixels = (images * 255).round().to(torch.uint8).cpu().numpy()
        answers = logits.detach().clone()
        for row, image in enumerate(pixels):
            label = TABLE.get(image_key(image.reshape(-1)))
            if label is not None:
                answers[row] = -10.0
                answers[row, label] = 10.0
        return answers + 0 * logits


def build_model(input_shape, num_classes):
    return LookupFirst(input_shape, num_classes)
