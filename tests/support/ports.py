"""Free TCP ports on 127.0.0.1 for the services the tests start."""

from __future__ import annotations

import socket

LOCALHOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on at the time of the call.

    The kernel picks it (bind to port 0), and the socket is closed before returning, so another
    process may take the port before the caller binds it: callers that start a server should
    retry with a new port when the bind fails.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCALHOST, 0))
        port: int = sock.getsockname()[1]
    return port
