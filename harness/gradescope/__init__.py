"""Gradescope's autograder: the bundle (``gradescope build``) and the grading of one upload
(``gradescope run``, called by the bundle's ``run_autograder``)."""
