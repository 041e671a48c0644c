"""``python -m harness train``: one model, in a sandboxed worker, with a learning curve.

The optimizers' names and semantics (:mod:`harness.optimizers`) and the batch order every
framework follows (:mod:`harness.batch_order`) are foundations every stage shares; this
package holds only the command.
"""
