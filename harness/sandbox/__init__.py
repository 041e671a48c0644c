"""Running one command isolated: bubblewrap namespaces, an unprivileged uid, limits.

``process.py`` starts and supervises the command (:func:`process.run_isolated`),
``bwrap.py`` builds bubblewrap's command line (what is visible, read-only or writable),
``watch.py`` enforces wall time and memory on the whole process tree and captures output.
"""
