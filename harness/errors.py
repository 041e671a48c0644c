"""Errors the harness raises for users to read.

Every message names where the problem is (file, field), what was expected and what was
received, so that a student or a member of staff can fix it without reading harness code.
"""


class HarnessError(Exception):
    """Base class of every error meant for a user; the CLI prints it without a traceback."""


class DataError(HarnessError):
    """A dataset file is missing, corrupt, of the wrong kind or fails its checksum."""


class SubmissionError(HarnessError):
    """A submission cannot be accepted; ``problems`` lists every problem found."""

    def __init__(self, path, problems):
        self.path = str(path)
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{self.path}: {len(self.problems)} problem(s):\n{lines}")


class GradingFailed(HarnessError):
    """The runs were graded and stored, but the grader's side then failed (the CLI exits 3)."""


class ConfigError(HarnessError):
    """``assignment.toml`` or a command-line option holds a value out of range."""


def field_error(where: str, field: str, expected: str, received) -> str:
    """One problem line in the house format: where, field, expected, received."""
    return f"{where}: {field}: expected {expected}, received {received!r}"


def require_count(flag: str, value: int | None) -> None:
    """A command-line count (batches, jobs): absent, or an integer >= 1."""
    if value is not None and value < 1:
        raise ConfigError(field_error("command line", flag, "an integer >= 1", value))


def require_positive(flag: str, value: float | None, expected: str = "a number > 0") -> None:
    """A command-line quantity (a rate, seconds): absent, or above zero."""
    if value is not None and not value > 0:
        raise ConfigError(field_error("command line", flag, expected, value))


# Exit statuses of every command, `python -m harness grade` above all, for a CI to act on.
EXIT_PASSED = 0  # every run passed
EXIT_STUDENT_FAILURES = 1  # some student runs did not pass: a normal outcome of a grading
EXIT_NOT_GRADED = 2  # nothing graded: the command line, assignment.toml, data or sandbox is wrong
EXIT_GRADING_FAILED = 3  # the grader's side failed: a reference run, a dataset, the harness
EXIT_STATUSES_HELP = (
    "exit status: 0 every run passed; 1 some student runs did not pass (a normal "
    "grading outcome: each has its record and reason); 2 nothing was graded (the "
    "command line, assignment.toml, the data or the sandbox is wrong: the message says "
    "which); 3 the grading itself failed (a reference run, a run that failed on the "
    "grader's side, a dataset that could not be loaded, a staff file found wrong "
    "while building the reports, or the harness crashed)"
)
