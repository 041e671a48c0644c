"""One graded run across the trust boundary.

``job.py`` is what the parent hands over (:class:`job.Job`, as ``job.json``);
``inside.py`` runs in the sandbox (loads the submission, trains, predicts); ``channel.py``
is the socket between them (framed JSON and arrays); ``messages.py`` parses everything that
crosses back into dataclasses, field by field; ``training_plan.py`` is the parent's training plan
and ``stream.py`` the data it sends (no label but the planned batches'); ``parent.py`` is
the trusted side (:func:`parent.run_worker`) that starts the sandbox, keeps the clock and
turns what came back into a verdict; ``reasons.py`` names failures in words for the
student.
"""
