"""Hostile: imports a package that is not installed."""

import this_package_is_not_installed  # noqa: F401

FRAMEWORK = "torch"
