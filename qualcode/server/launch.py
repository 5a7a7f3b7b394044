"""Start the workspace: check the bind, build the app, run uvicorn."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.server.auth import Sessions, check_bind, load_tokens

if TYPE_CHECKING:
    from qualcode.project import Project


def serve(project: Project, host: str = "127.0.0.1", port: int = 8765,
          open_browser: bool = False, tokens: Path | None = None) -> None:
    """Serve `project` on host:port until interrupted. A non-local `host` needs a tokens
    file (one `CODER TOKEN` per line); the server refuses to start without one."""
    digests = load_tokens(tokens) if tokens else {}
    check_bind(host, digests)
    sock = _listen(host, port)
    import uvicorn

    from qualcode.server.app import create_app

    app = create_app(project, Sessions(digests, fixed_coder=project.coder), host=host)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    print(f"qualcode workspace on {url} - Ctrl+C to stop", flush=True)
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    config = uvicorn.Config(app, log_level="warning", access_log=False, server_header=False)
    uvicorn.Server(config).run(sockets=[sock])


def _listen(host: str, port: int):  # noqa: ANN202
    """The listening socket, or one clear line when the port cannot be used."""
    import socket

    from qualcode.errors import UsageError

    if not 0 < port < 65536:
        raise UsageError(f"--port {port}: use a port between 1 and 65535")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc} - is "
                         "another qualcode serve running there? Choose another with "
                         "--port N") from None
    sock.listen(128)
    return sock
