"""Hostile: never finishes importing (busy loop, not even sleeping)."""

while True:
    pass
