"""``python -m harness similarity``: pairs of students whose work is suspiciously alike.

Staff only, after the deadline. Three kinds of evidence, each shown side by side:
identical or near-identical layer lists and hyperparameters that are not the starter's or
one of the assignment's listed experiments (:mod:`configs`), shared code lines in
code-form ``index.py`` and ``index.js`` files once the starter's lines are left out
(:mod:`code`), and test predictions that agree, on the images both students got wrong, far
more than the class's pairs do (:mod:`agreement`). The pairs go to ``OUT/similarity.json``
and a page, and into the review queue; they never change points.
"""
