"""One graded run across the trust boundary.

``job.py`` is what the parent hands over (:class:`job.Job`, as ``job.json``);
``inside.py`` runs in the sandbox (loads the submission, trains, predicts); ``files.py``
is everything that crosses back, read by the parent with suspicion; ``parent.py`` is the
trusted side that starts the sandbox and turns what came back into a verdict;
``reasons.py`` names failures in words for the student.
"""
