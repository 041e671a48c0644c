"""The PyTorch adapter: the shared adapter contract, plus what only torch has.

The contract tests (counts, canonical layout, training, seeds, real data) live in
tests/adapters/adapter_contract.py; this module supplies their fixtures.
"""

from __future__ import annotations

import pytest
from adapter_contract import *  # noqa: F403 - the contract's tests and fixtures
from adapter_contract import CodeForm, FashionExpectations, reference, short_run
from needs import require

from harness.adapters.base import ModelSource
from harness.errors import HarnessError
from harness.optimizers import OPTIMIZER_NAMES, OptimizerConfig

pytestmark = pytest.mark.torch

require("torch")
import torch  # noqa: E402

from harness.adapters.torch import ADAPTER, make_optimizer  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """One intra-op thread: on a shared 2-core machine two OpenMP threads spin-wait on each
    other and run up to 8x slower (measured); results do not depend on the thread count."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def adapter():
    return ADAPTER


class StudentNet(torch.nn.Module):
    """A code-form submission: NCHW in, flattened with ``view`` (needs plain NCHW, so the
    adapter must not hand a student's module channels_last tensors)."""

    def __init__(self, input_shape, num_classes):
        super().__init__()
        self.conv = torch.nn.Conv2d(input_shape[2], 8, 3, padding=1)
        self.head = torch.nn.Linear(8 * input_shape[0] * input_shape[1] // 4, num_classes)

    def forward(self, x):
        x = torch.nn.functional.max_pool2d(torch.relu(self.conv(x)), 2)
        return self.head(x.view(x.size(0), -1))


@pytest.fixture
def code_form():
    return CodeForm(StudentNet, [(8, 1, 3, 3), (8,), (4, 1568), (4,)])


@pytest.fixture
def weight_shape_error():
    # torch names the layer and its own (out, in) layout, as the student would see it.
    return r"weight of Linear: expected shape \(10, 784\), received \(784, 10\)"


@pytest.fixture
def weight_count_error():
    return r"weights: expected 6 arrays, received 2"


@pytest.fixture
def fashion_expectations():
    # Measured (torch 2.13 CPU, seed 0): 0.22 after 10 batches, 0.82 after 400.
    return FashionExpectations(
        num_batches=400, lowest=0.78, highest=0.88, validation_within=0.05, untrained_below=0.50
    )


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_optimizers_get_the_shared_values_explicitly(name):
    config = OptimizerConfig.from_name(name)
    group = make_optimizer([torch.nn.Parameter(torch.zeros(2))], config).param_groups[0]
    assert group["lr"] == config.learning_rate
    expected = {
        "momentum": {"momentum": 0.9, "dampening": 0.0, "nesterov": False},
        "adam": {"betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False},
        "rmsprop": {"alpha": 0.9, "eps": 1e-8, "momentum": 0.0, "centered": False},
        "adagrad": {"initial_accumulator_value": 0.1, "eps": 1e-8},
        "sgd": {"momentum": 0.0},
    }[name]
    assert {key: group[key] for key in expected} == expected


def test_code_form_must_return_a_module():
    with pytest.raises(HarnessError, match="expected a torch.nn.Module"):
        ADAPTER.build(ModelSource(build_model=lambda shape, n: "a model"), (28, 28, 1), 10)


def test_device_info_reports_the_torch_version():
    assert ADAPTER.device_info()["framework_version"] == torch.__version__


@pytest.mark.gpu
def test_cuda_is_used_when_visible():
    assert ADAPTER.device_info()["kind"] == "gpu"
    model = reference(ADAPTER)
    assert next(model.module.parameters()).is_cuda
    _, outcome = short_run(ADAPTER, num_batches=20, eval_every=10)
    assert outcome.loss_finite and outcome.examples_per_sec > 0
