"""The worker runs a Model Builder submission with jax inside the sandbox (the memory
limit, the private /tmp and the missing network suit the framework)."""

import pytest
from worker_jobs import assert_honest_layers_pass

from harness.sandbox.process import bubblewrap_available

pytestmark = [pytest.mark.jax, pytest.mark.sandbox,
              pytest.mark.skipif(not bubblewrap_available(), reason="needs bubblewrap")]


def test_honest_layers_pass_isolated(tmp_path):
    assert_honest_layers_pass(tmp_path, "jax")
