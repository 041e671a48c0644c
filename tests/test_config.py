"""`assignment.toml`: the project's own loads; a bad value names the file and the field."""

import pytest

from harness.config import default_assignment_path, load_assignment
from harness.errors import ConfigError


def write(tmp_path, replace: dict) -> str:
    """The project's assignment.toml with whole lines replaced (key -> new line)."""
    lines = default_assignment_path().read_text().splitlines()
    changed = [next((new for key, new in replace.items() if line.startswith(f"{key} =")), line)
               for line in lines]
    path = tmp_path / "assignment.toml"
    path.write_text("\n".join(changed) + "\n")
    return str(path)


def test_the_projects_assignment_loads_with_its_commented_values():
    assignment = load_assignment()
    assert assignment.datasets == ("mnist", "fashion_mnist", "cifar10")
    assert assignment.reference_optimizer == "momentum"
    assert (assignment.budget.default_batch_size, assignment.budget.default_num_batches) == (
        64, 3000)
    assert assignment.references["cifar10"] == "cifar"


@pytest.mark.parametrize("line, message", [
    ('reference_optimizer = "lbfgs"', "[assignment]: reference_optimizer: expected one of "
                                      "sgd, momentum, adam, rmsprop, adagrad, received 'lbfgs'"),
    ('datasets = ["fashion"]', "[assignment]: datasets: expected a non-empty list of mnist, "
                               "fashion_mnist, cifar10, received ['fashion']"),
    ("datasets = []", "[assignment]: datasets: expected a non-empty list"),
    ('builder_frameworks = ["mxnet"]', "[assignment]: builder_frameworks: expected a non-empty "
                                       "list of torch, tensorflow, jax, received ['mxnet']"),
    ('seed = "zero"', "[assignment].seed: expected a number, received 'zero'"),
])
def test_a_bad_value_names_the_file_and_field(tmp_path, line, message):
    path = write(tmp_path, {line.split(" =")[0]: line})
    with pytest.raises(ConfigError) as error:
        load_assignment(path)
    assert str(error.value).startswith(path) and message in str(error.value)


def test_an_unknown_key_lists_the_known_ones(tmp_path):
    path = write(tmp_path, {"seed": "sed = 0"})
    with pytest.raises(ConfigError, match=r"\[assignment\]: unknown key 'sed'; expected one of"):
        load_assignment(path)
