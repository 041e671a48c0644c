"""``python -m harness grade``: plan, run under pytest, score, report.

``command.py`` builds the :class:`plan.GradingPlan` (one :class:`plan.RunSpec` per submission x
dataset x framework, plus the references), runs ``items.py`` under pytest with
``pytest_plugin.py`` (one item per run), then scores and reports. ``runner.py`` executes
one run on the trusted side (job in, record out, reuse by ``fingerprint.py``);
``rubric.py`` is the pure rubric; ``scores.py`` applies it to stored records.
"""
