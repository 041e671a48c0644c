"""``python -m harness check``: what a student runs before handing in.

``command.py`` (trusted) reads each submission's form and starts one sandboxed
``child.py`` per framework, which loads the submission, builds it and runs one
forward/backward pass; ``report.py`` merges the children's findings and renders them.
"""
