"""Hostile: writes a file far larger than the file size limit."""

with open("huge.bin", "wb") as out:
    for _ in range(1024):
        out.write(b"\0" * (1 << 20))
