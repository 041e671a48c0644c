"""The course's own ``index.js`` as a submission form (deeplearn.js Graph scripts and
TensorFlow.js layer models), recorded in an embedded JavaScript engine and graded as the
Model Builder layer list it builds.

``engine`` runs the file against the recording stand-ins (``standin/``), ``record``
parses what they recorded, ``convert`` turns it into layers and hyperparameters, ``load``
checks them like a ``LAYERS`` list.
"""

from harness.submission.javascript.load import JsSubmission, load_javascript

__all__ = ["JsSubmission", "load_javascript"]
