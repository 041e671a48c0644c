"""Hostile: allocates memory without end, touching every page."""

hoard = []
while True:
    hoard.append(bytearray(b"x" * (16 << 20)))
