"""The torch hand-written benchmark loop trains the reference network; the child reports JSON."""

import pytest
from bench_cases import check_child_runs_adapter, check_handwritten_loop_trains

pytestmark = pytest.mark.torch


def test_handwritten_loop_trains_the_original_network():
    check_handwritten_loop_trains("torch")


def test_child_process_reports_an_adapter_run():
    check_child_runs_adapter("torch")
