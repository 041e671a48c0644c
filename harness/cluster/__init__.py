"""Graded runs on a Ray cluster: the same sandboxed worker, on other machines.

``grade --cluster ADDRESS`` sends each graded run to a node as a Ray task
(:mod:`harness.cluster.node`) with the job description, the submission's files as bytes and
references to the dataset's training split and unlabelled test images, put into Ray's
object store once per dataset (:mod:`harness.cluster.payload`). Predictions come back;
test labels, scoring and records stay on the head (:mod:`harness.cluster.backend`), which
reaches the grading only through the :class:`~harness.worker.remote.RunSource` it is given
(:mod:`harness.grading.remote`): nothing here imports ``harness.grading``.

Nothing here imports ``ray`` at module level: only a grading that asks for a cluster does.
"""
