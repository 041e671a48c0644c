"""`assignment.toml`: the project's own loads; a bad value names the file and the field."""

import pytest

from harness.config import default_assignment_path, load_assignment
from harness.errors import ConfigError


def write(tmp_path, replace: dict) -> str:
    """The project's assignment.toml with whole lines replaced (key -> new line)."""
    lines = default_assignment_path().read_text().splitlines()
    changed = [
        next((new for key, new in replace.items() if line.startswith(f"{key} =")), line)
        for line in lines
    ]
    path = tmp_path / "assignment.toml"
    path.write_text("\n".join(changed) + "\n")
    return str(path)


def test_the_projects_assignment_loads_with_its_commented_values():
    assignment = load_assignment()
    assert assignment.datasets == ("mnist", "fashion_mnist", "cifar10")
    assert assignment.reference_optimizer == "momentum"
    assert (assignment.budget.default_batch_size, assignment.budget.default_num_batches) == (
        64,
        3000,
    )
    assert assignment.references["cifar10"] == "cifar"


@pytest.mark.parametrize(
    "line, message",
    [
        (
            'reference_optimizer = "lbfgs"',
            "[assignment]: reference_optimizer: expected one of "
            "sgd, momentum, adam, rmsprop, adagrad, received 'lbfgs'",
        ),
        (
            'datasets = ["fashion"]',
            "[assignment]: datasets: expected a non-empty list of mnist, "
            "fashion_mnist, cifar10, received ['fashion']",
        ),
        ("datasets = []", "[assignment]: datasets: expected a non-empty list"),
        (
            'builder_frameworks = ["mxnet"]',
            "[assignment]: builder_frameworks: expected a non-empty "
            "list of torch, tensorflow, jax, received ['mxnet']",
        ),
        ('seed = "zero"', "[assignment].seed: expected an integer, received 'zero'"),
        ("seed = 1.5", "[assignment].seed: expected an integer, received 1.5"),
        # [budget]: limits positive, integers where counts, the defaults inside the limits
        ("max_batch_size = 0", "[budget]: max_batch_size: expected an integer >= 1, received 0"),
        ("max_batch_size = 2.5", "[budget].max_batch_size: expected an integer, received 2.5"),
        (
            "memory_limit_mib = -1",
            "[budget]: memory_limit_mib: expected an integer >= 1, received -1",
        ),
        (
            "time_limit_seconds = 0",
            "[budget]: time_limit_seconds: expected a number of seconds > 0, received 0.0",
        ),
        (
            "time_limit_seconds = inf",
            "[budget].time_limit_seconds: expected a number, received inf",
        ),
        (
            "default_batch_size = 1024",
            "[budget]: default_batch_size: expected an integer from 1 to "
            "max_batch_size (512), received 1024",
        ),
        (
            "default_num_batches = 0",
            "[budget]: default_num_batches: expected an integer from 1 to "
            "max_num_batches (10000), received 0",
        ),
        (
            "max_examples = 100000",
            "[budget]: default_num_batches: expected default_batch_size x "
            "default_num_batches <= max_examples (100000), "
            "received '64 x 3000 = 192000'",
        ),
        # [rubric]: points positive, shares in [0, 1], each ramp's zero end below its full end
        (
            "points_per_dataset = 0",
            "[rubric]: points_per_dataset: expected a number > 0, received 0.0",
        ),
        (
            "accuracy_share = 1.5",
            "[rubric]: accuracy_share: expected a number from 0 to 1, received 1.5",
        ),
        ("accuracy_share = nan", "[rubric].accuracy_share: expected a number, received nan"),
        (
            "accuracy_tolerance = -0.01",
            "[rubric]: accuracy_tolerance: expected a number from 0 to 1, received -0.01",
        ),
        (
            "accuracy_floor = 0.01",
            "[rubric]: accuracy_floor: expected a number above "
            "accuracy_tolerance (0.02) and at most 1, received 0.01",
        ),
        (
            "accuracy_floor = 0.02",
            "[rubric]: accuracy_floor: expected a number above "
            "accuracy_tolerance (0.02) and at most 1, received 0.02",
        ),
        (
            "throughput_zero_ratio = -0.5",
            "[rubric]: throughput_zero_ratio: expected a number >= 0, received -0.5",
        ),
        (
            "throughput_full_ratio = 0.05",
            "[rubric]: throughput_full_ratio: expected a number above "
            "throughput_zero_ratio (0.05), received 0.05",
        ),
        (
            'points_per_dataset = "10"',
            "[rubric].points_per_dataset: expected a number, received '10'",
        ),
        # [references]: a known network for every graded dataset
        (
            "cifar10",
            "[references]: cifar10: expected a reference network for every dataset in "
            "[assignment] datasets, received None",
        ),
        (
            'mnist = "resnet"',
            "[references]: mnist: expected one of original, cifar, received 'resnet'",
        ),
    ],
)
def test_a_bad_value_names_the_file_and_field(tmp_path, line, message):
    path = write(tmp_path, {line.split(" =")[0]: line if " =" in line else ""})
    with pytest.raises(ConfigError) as error:
        load_assignment(path)
    assert str(error.value).startswith(path) and message in str(error.value)


def test_an_unknown_key_lists_the_known_ones(tmp_path):
    path = write(tmp_path, {"seed": "sed = 0"})
    with pytest.raises(ConfigError, match=r"\[assignment\]: unknown key 'sed'; expected one of"):
        load_assignment(path)


def test_values_at_the_edges_of_their_ranges_load(tmp_path):
    path = write(
        tmp_path,
        {
            "accuracy_tolerance": "accuracy_tolerance = 0",
            "accuracy_floor": "accuracy_floor = 1",
            "accuracy_share": "accuracy_share = 1",
            "throughput_zero_ratio": "throughput_zero_ratio = 0",
            "default_batch_size": "default_batch_size = 512",
            "default_num_batches": "default_num_batches = 1250",
        },
    )
    assignment = load_assignment(path)
    assert (assignment.rubric.accuracy_tolerance, assignment.rubric.accuracy_floor) == (0.0, 1.0)
    assert assignment.budget.default_batch_size * assignment.budget.default_num_batches == (
        assignment.budget.max_examples
    )


def test_a_reference_table_for_fewer_datasets_loads_when_only_those_are_graded(tmp_path):
    path = write(tmp_path, {"datasets": 'datasets = ["mnist"]', "fashion_mnist": "", "cifar10": ""})
    assert load_assignment(path).references == {"mnist": "original"}


def test_an_unknown_dataset_in_references_is_refused(tmp_path):
    path = write(tmp_path, {"cifar10": 'cifar100 = "cifar"'})
    with pytest.raises(
        ConfigError,
        match=r"\[references\]: cifar100: expected a dataset name "
        r"\(mnist, fashion_mnist, cifar10\), received "
        r"'cifar100'",
    ):
        load_assignment(path)
