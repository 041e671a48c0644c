"""Reference CNNs of the assignment, written by hand once per framework (one module each)."""
