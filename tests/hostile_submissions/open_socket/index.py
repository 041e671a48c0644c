"""Hostile: tries to reach a server on the host's loopback (the test's own, 127.0.0.1)."""

import json
import socket
from pathlib import Path

port = json.loads((Path(__file__).parent / "targets.json").read_text())["port"]
with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
    conn.sendall(b"GET /leak HTTP/1.0\r\n\r\n")
    raise RuntimeError(f"CONNECTED {conn.recv(100)!r}")
