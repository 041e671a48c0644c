"""Broken on purpose: Exits while loading."""

import sys

sys.exit(3)
