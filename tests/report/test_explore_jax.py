"""The explore page against jax: the shared contract of tests/report/explore_contract.py."""

from __future__ import annotations

import pytest
from explore_contract import *  # noqa: F403 - the contract's tests

from harness.adapters import get_adapter

pytestmark = pytest.mark.jax


@pytest.fixture(scope="module")
def adapter():
    return get_adapter("jax")
