"""Choosing a cluster: the --cluster values, and Ray imported only when one is asked for."""

import subprocess
import sys

import pytest

from harness.cluster.connect import check_address
from harness.errors import ConfigError


@pytest.mark.parametrize(
    "value", ["auto", "local", "127.0.0.1:6379", "head.lab:6379", "ray://head.lab:10001"]
)
def test_accepted_cluster_addresses(value):
    assert check_address(value) == value


@pytest.mark.parametrize("value", ["", "head.lab", "http://head:80", "auto;rm", "6379"])
def test_other_values_are_usage_errors_naming_the_option(value):
    with pytest.raises(
        ConfigError, match="--cluster: expected auto, local or the head's HOST:PORT"
    ):
        check_address(value)


def test_no_module_imports_ray_unless_a_cluster_is_used():
    # Every harness module, the cluster package included, imports with Ray blocked.
    code = (
        "import sys, pkgutil, importlib, harness\nsys.modules['ray'] = None\n"
        "names = [m.name for m in pkgutil.walk_packages(harness.__path__, 'harness.')\n"
        "         if not m.name.endswith('__main__') and '.adapters.' not in m.name]\n"
        "for name in names: importlib.import_module(name)\n"
        "print(len(names), 'harness.cluster.backend' in names)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    count, has_backend = done.stdout.split()
    assert int(count) > 40 and has_backend == "True"


def test_asking_for_a_cluster_without_ray_says_how_to_install_it():
    code = (
        "import sys; sys.modules['ray'] = None\n"
        "from harness.cluster.connect import connect\n"
        "connect('local')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "pip install 'cnn-harness[cluster]'" in done.stderr
