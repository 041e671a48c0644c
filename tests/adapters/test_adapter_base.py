"""The framework-neutral parts of the adapter interface."""

import pytest

from harness.adapters.base import ModelSource, gpu_memory_fraction
from harness.errors import ConfigError


@pytest.mark.parametrize("value", ["half", "0", "1.5"])
def test_a_bad_memory_fraction_names_the_variable(monkeypatch, value):
    monkeypatch.setenv("HARNESS_GPU_MEMORY_FRACTION", value)
    with pytest.raises(
        ConfigError,
        match=f"HARNESS_GPU_MEMORY_FRACTION: expected a number in \\(0, 1\\], received '{value}'",
    ):
        gpu_memory_fraction()


def test_memory_fraction_is_read_when_set(monkeypatch):
    monkeypatch.delenv("HARNESS_GPU_MEMORY_FRACTION", raising=False)
    assert gpu_memory_fraction() is None
    monkeypatch.setenv("HARNESS_GPU_MEMORY_FRACTION", "0.45")
    assert gpu_memory_fraction() == pytest.approx(0.45)


def test_a_model_source_names_exactly_one_origin():
    assert ModelSource(reference="original").reference == "original"
    with pytest.raises(ValueError, match="exactly one"):
        ModelSource()
    with pytest.raises(ValueError, match="exactly one"):
        ModelSource(reference="original", layers=({"layer": "relu"},))
