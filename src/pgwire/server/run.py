"""`serve()`: one server process, or `--workers N` processes sharing its listeners."""

from __future__ import annotations

from typing import Any

from pgwire.config import Config
from pgwire.handler import Handler
from pgwire.server.server import run_server
from pgwire.server.workers import serve_workers


def serve(handler: Handler, config: Config | None = None, **options: Any) -> None:
    """Serve `handler` until SIGINT or SIGTERM. Options are Config fields."""
    if config is None:
        config = Config(**options)
    elif options:
        raise TypeError("give either a Config or keyword options, not both")
    if config.workers > 1:
        serve_workers(handler, config)
        return
    run_server(handler, config)
