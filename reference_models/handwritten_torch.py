"""A minimal PyTorch training loop, as a tutorial writes it: the adapter's yardstick.

The benchmark's contract: ``harness/benchmarks/__init__.py``; ``warmup`` is the number
of warm-up steps to time apart, ``field`` and ``filters`` the network's. torch is
imported inside :func:`train`, only when a benchmark child runs it.
"""

from __future__ import annotations

import time


def train(
    data,
    field: int,
    filters: int,
    batch_size: int,
    num_batches: int,
    warmup: int,
    learning_rate: float,
    momentum: float,
    seed: int,
) -> dict:
    import torch
    from torch import nn

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    torch.manual_seed(seed)
    height, width, channels = data.train_images.shape[1:]
    num_classes = int(data.train_labels.max()) + 1
    model = nn.Sequential(
        nn.Conv2d(channels, filters, field, padding=field // 2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(filters, filters, field, padding=field // 2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(filters * (height // 4) * (width // 4), num_classes),
    )
    for layer in model:
        if isinstance(layer, (nn.Conv2d, nn.Linear)):  # Glorot, as the references
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    model.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate, momentum=momentum)
    loss_fn = nn.CrossEntropyLoss()

    # The whole training set goes to the device once; batches are gathered there.
    x = torch.tensor(data.train_images, device=device).permute(0, 3, 1, 2).float() / 255
    y = torch.tensor(data.train_labels, device=device, dtype=torch.long)
    order = torch.tensor(data.batch_indices[:num_batches], device=device, dtype=torch.long)

    def step(rows):
        loss = loss_fn(model(x[rows]), y[rows])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    warmup_seconds, clock = 0.0, time.perf_counter()
    for i in range(num_batches):
        if i == warmup and warmup:
            sync()
            warmup_seconds, clock = time.perf_counter() - clock, time.perf_counter()
        loss = step(order[i])
    sync()
    steady_seconds = time.perf_counter() - clock

    model.eval()
    with torch.no_grad():
        vx = torch.tensor(data.validation_images, device=device).permute(0, 3, 1, 2).float()
        vy = torch.tensor(data.validation_labels, device=device, dtype=torch.long)
        correct = sum(
            int((model(vx[s : s + 1000] / 255).argmax(1) == vy[s : s + 1000]).sum())
            for s in range(0, len(vy), 1000)
        )
    return {
        "examples_per_sec": (num_batches - warmup) * batch_size / steady_seconds,
        "warmup_seconds": warmup_seconds,
        "steady_seconds": steady_seconds,
        "final_loss": loss.item(),
        "validation_accuracy": correct / max(len(vy), 1),
        "param_count": sum(p.numel() for p in model.parameters()),
        "device": {
            "kind": "gpu" if device.type == "cuda" else "cpu",
            "framework_version": torch.__version__,
        },
    }
