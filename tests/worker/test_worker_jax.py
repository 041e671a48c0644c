"""The worker runs a Model Builder submission with jax inside the sandbox (the memory
limit, the private /tmp and the missing network suit the framework)."""

import pytest
from worker_jobs import assert_honest_layers_pass

pytestmark = [pytest.mark.jax, pytest.mark.sandbox, pytest.mark.needs("bubblewrap", "jax")]


def test_honest_layers_pass_isolated(tmp_path):
    assert_honest_layers_pass(tmp_path, "jax")
