"""The parent's training plan of one run: what it will stream, decided before any data goes.

A reference run trains with the settings its job carries. A submission's worker declares
the hyperparameters its file asked for (settings its job carries, options of ``train``,
replace them) (:class:`harness.worker.messages.Declared`); they are a
claim, so the parent checks them against the assignment's budget exactly as loading a
submission does, then caps the number of batches with ``--max-batches``. The plan fixes
the batch size and count the parent sends, hence every example a run can train on.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.config import Budget
from harness.names import CURVE_POINTS
from harness.submission.fields import hyperparameter_problems
from harness.worker import messages
from harness.worker.job import Job
from harness.worker.messages import Declared, Refused


@dataclass(frozen=True)
class TrainingPlan:
    batch_size: int
    num_batches: int
    eval_every: int  # batches between curve points; the last batch is always one
    optimizer: str
    learning_rate: float

    @property
    def points(self) -> list[int]:
        """The batches after which the run reports a loss and validation predictions."""
        every = set(range(self.eval_every, self.num_batches + 1, self.eval_every))
        return sorted(every | {self.num_batches})

    @property
    def examples(self) -> int:
        """Labelled examples the run is sent (repeats counted): batch_size x num_batches."""
        return self.batch_size * self.num_batches

    def message(self) -> dict:
        return {
            "batch_size": self.batch_size,
            "num_batches": self.num_batches,
            "eval_every": self.eval_every,
            "optimizer": self.optimizer,
            "learning_rate": self.learning_rate,
        }


def _declared_settings(job: Job, declared: Declared, budget: Budget) -> tuple[int, int, str, float]:
    """The declaration, with the job's own settings (``train`` options) in its place."""
    given = {
        key: getattr(job, key)
        for key in messages.HYPERPARAMETER_KEYS
        if getattr(job, key) is not None
    }
    hp, problems = hyperparameter_problems({**declared.hyperparameters, **given}, budget)
    if problems or hp is None:  # hp is None only where problems say why
        raise Refused(
            "ready.settings: the declared hyperparameters are outside the "
            f"assignment's budget: {problems[0]}"
        )
    return hp.batch_size, hp.num_batches, hp.optimizer, hp.learning_rate


def _reference_settings(job: Job) -> tuple[int, int, str, float]:
    """A reference's settings: its job carries all four (the grading's plan sets them)."""
    batch_size, num_batches = job.batch_size, job.num_batches
    optimizer, rate = job.optimizer, job.learning_rate
    if batch_size is None or num_batches is None or optimizer is None or rate is None:
        raise ValueError(
            f"the job of reference {job.reference}: expected batch_size, num_batches, "
            f"optimizer and learning_rate, received {(batch_size, num_batches, optimizer, rate)}"
        )
    return batch_size, num_batches, optimizer, rate


def plan_training(job: Job, declared: Declared, budget: Budget) -> TrainingPlan:
    """The plan for ``job``; raises :class:`Refused` when a declaration breaks the budget."""
    if job.is_reference:
        settings = _reference_settings(job)
    else:
        settings = _declared_settings(job, declared, budget)
    batch_size, num_batches, optimizer, rate = settings
    if job.max_batches:
        num_batches = min(num_batches, job.max_batches)
    eval_every = job.eval_every or max(1, num_batches // (job.curve_points or CURVE_POINTS))
    return TrainingPlan(
        int(batch_size), int(num_batches), int(eval_every), str(optimizer), float(rate)
    )
