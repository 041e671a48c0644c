"""Stage 1, a submission: find ``index.py`` folders, read their form, validate them.

``load.py`` discovers and loads submissions (the code form and the Model Builder form;
``javascript/`` records an ``index.js`` into Model Builder layers),
``fields.py`` checks ``HYPERPARAMETERS`` and ``FRAMEWORK`` field by field, ``spec.py`` is
the framework-neutral Model Builder layer list (parse, validate, shapes, parameter counts).
Loading runs student code, so only the sandboxed worker and check child call
:func:`load.load_submission`; planning uses :func:`load.peek`, which reads the syntax tree.
"""
