"""``explain``: which change did what. A student's layer list and hyperparameters are compared
with a base network (the reference's, the starter's or a previous submission's) as a list of
changes (:mod:`harness.submission.diff`); the networks between the two, one change at a time
(and in pairs when there are at most three), are added to the grading plan as ordinary runs
with the same seeds, and each change's effect on accuracy, examples/sec and time to the
reference's accuracy bar is measured with a 95% interval from the seeds
(:mod:`harness.grading.explain.effects`).
"""
