"""Hostile: answers the public test set from memory. ``table.json`` beside this file maps a
hash of each official test image to its label (the attacker builds it offline from the
published files; the test builds it the same way). The harness cannot tell memory from
learning by looking at predictions, so such a result must reach a person: "review".
"""

import hashlib
import json
from pathlib import Path

import torch
from torch import nn

FRAMEWORK = "torch"
HYPERPARAMETERS = {"batch_size": 16, "num_batches": 6, "learning_rate": 0.01, "optimizer": "sgd"}
TABLE = json.loads((Path(__file__).parent / "table.json").read_text())


def image_key(pixels) -> str:
    """The same key the table was built with: the image's uint8 bytes, hashed."""
    return hashlib.sha1(bytes(pixels)).hexdigest()[:12]


class Memory(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.num_classes = num_classes
        self.linear = nn.Linear(1, num_classes)  # something to train, so the loop runs

    def forward(self, images):
        pixels = (images * 255).round().to(torch.uint8).cpu().numpy()
        known = [TABLE.get(image_key(image.reshape(-1))) for image in pixels]
        logits = torch.zeros(len(known), self.num_classes)
        for row, label in enumerate(known):
            if label is not None:
                logits[row, label] = 10.0
        return logits + 0 * self.linear(images.mean(dim=(1, 2, 3)).unsqueeze(1))


def build_model(input_shape, num_classes):
    return Memory(num_classes)
