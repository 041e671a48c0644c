"""Training settings shared by every framework, and the ``train`` command.

``optim.py`` defines the optimizers' names and semantics; ``batching.py`` the batch order
every framework follows; ``command.py`` is ``python -m harness train`` (one model, in this
process, with a learning curve).
"""
