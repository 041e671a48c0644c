"""Hostile: leaves with os._exit(0), skipping every handler and writing no result."""

import os

os._exit(0)
