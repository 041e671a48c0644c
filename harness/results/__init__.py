"""What grading produces and reports read: records, their store, and scoring.

``record.py`` is :class:`record.RunRecord` (one graded run, plain data); ``store.py``
writes one file per run atomically and assembles ``results.json``; ``scoring.py`` turns
predictions and the labels only the parent holds into accuracy and a confusion matrix.
"""
