"""What every log line says about its request, and the two formats lines are written in.

The request being served is kept in a context variable (set by the outermost
ASGI wrapper, ``api/observability.py``): its id, its ASGI scope (from which
the route and the site key are read when a line is written, so they are
current after routing) and the token id once a token is authenticated.
``RequestFilter`` copies them onto each record, so every line of a request
carries its id, whichever logger wrote it; lines outside a request have none.

Formats (``GOALGATE_LOG_FORMAT``): ``text``, one line per message for people,
``LEVEL - time - logger - request id - message``; ``json``, one JSON object
per line for machines, with the same facts as keys. Neither ever holds a
token's secret or a client's IP address: the secret is never put on a
record, and a visitor's IP is personal data goalgate does not keep.

Lines are formatted on the thread that logs them (the context variable is
only visible there) and written by a background thread, so a slow reader of
stderr never stalls the event loop (as Litestar's default set-up does).
"""

from __future__ import annotations

import atexit
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from logging.handlers import QueueHandler, QueueListener
from queue import SimpleQueue
from typing import Any

import msgspec

from goalgate.settings import Settings

__all__ = [
    "JsonFormatter",
    "RequestFilter",
    "RequestLog",
    "bind_token",
    "current_request",
    "litestar_logging_config",
    "note_error",
    "route_of",
    "uvicorn_log_config",
]

TEXT_FORMAT = "%(levelname)s - %(asctime)s - %(name)s - %(request_id)s - %(message)s"

_TYPED_PARAMETER = re.compile(r"\{(\w+):\w+\}")
# Route templates seen (bounded: the app's routes) -> how logs and metrics name them.
_ROUTES: dict[str, str] = {}


def route_of(template: str | None) -> str | None:
    """``/sites/{key:str}/goals`` -> ``/sites/{key}/goals``; None before routing or unrouted."""
    if not template:
        return None
    route = _ROUTES.get(template)
    if route is None:
        route = _ROUTES[template] = _TYPED_PARAMETER.sub(r"{\1}", template)
    return route


class RequestLog:
    """What the log knows of the request being served; one per request."""

    __slots__ = ("error", "request_id", "scope", "token_id")

    def __init__(self, request_id: str, scope: Any) -> None:
        self.request_id = request_id
        self.scope = scope
        self.token_id: int | None = None
        self.error: str | None = None

    @property
    def route(self) -> str | None:
        return route_of(self.scope.get("path_template"))

    @property
    def site_key(self) -> str | None:
        params = self.scope.get("path_params")
        key = params.get("key") if params else None
        return key if isinstance(key, str) else None


_CURRENT: ContextVar[RequestLog | None] = ContextVar("goalgate_request", default=None)


def current_request() -> RequestLog | None:
    return _CURRENT.get()


def enter_request(request: RequestLog) -> object:
    """Make ``request`` the current one; returns the token to ``leave_request`` with."""
    return _CURRENT.set(request)


def leave_request(token: object) -> None:
    _CURRENT.reset(token)  # type: ignore[arg-type]


def bind_token(token_id: int) -> None:
    """Note which token the current request authenticated with (its id, never its secret)."""
    request = _CURRENT.get()
    if request is not None:
        request.token_id = token_id


def note_error(code: str) -> None:
    """Note the error code the current request is answered with (``not_found``...)."""
    request = _CURRENT.get()
    if request is not None:
        request.error = code


class RequestFilter(logging.Filter):
    """Puts the current request's id, route, token id and site key on each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = _CURRENT.get()
        if request is None:
            if not hasattr(record, "request_id"):
                record.request_id = "-"
            return True
        record.request_id = request.request_id
        record.__dict__.setdefault("route", request.route)
        record.__dict__.setdefault("token_id", request.token_id)
        record.__dict__.setdefault("site_key", request.site_key)
        record.__dict__.setdefault("error", request.error)
        return True


# Keys a record may carry (from RequestFilter or ``extra=``), in output order.
_FIELDS = (
    "request_id",
    "method",
    "route",
    "path",
    "status",
    "duration_ms",
    "error",
    "token_id",
    "site_key",
)


def _encode_default(value: object) -> object:
    return str(value)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the request's facts."""

    def __init__(self) -> None:
        super().__init__()
        self._encoder = msgspec.json.Encoder(enc_hook=_encode_default)

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            # Which worker, under serve --workers N.
            "pid": record.process,
        }
        facts = record.__dict__
        for key in _FIELDS:
            value = facts.get(key)
            if value is not None and value != "-":
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return self._encoder.encode(line).decode()


class _BackgroundHandler(QueueHandler):
    """Formats on the caller's thread, writes to stderr from a thread of its own."""

    def __init__(self) -> None:
        queue: SimpleQueue[logging.LogRecord] = SimpleQueue()
        super().__init__(queue)
        writer = logging.StreamHandler(sys.stderr)
        writer.setFormatter(logging.Formatter("%(message)s"))
        self._listener: QueueListener | None = QueueListener(queue, writer)
        self._listener.start()
        # Lines still queued at exit are written before the process ends.
        atexit.register(self._stop)

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        # The message, traceback included, as this handler's formatter writes it.
        return logging.makeLogRecord({"msg": self.format(record), "levelno": record.levelno})

    def _stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.stop()
            atexit.unregister(self._stop)

    def close(self) -> None:
        # dictConfig closes the handlers it replaces: the thread goes with them.
        self._stop()
        super().close()


def _background_handler() -> logging.Handler:
    return _BackgroundHandler()


def _formatters(settings: Settings) -> dict[str, dict[str, Any]]:
    if settings.log_format == "json":
        return {"goalgate": {"()": JsonFormatter}}
    return {"goalgate": {"format": TEXT_FORMAT}}


def litestar_logging_config(settings: Settings) -> Any:
    """The app's logging: the root logger and goalgate's, through one background handler."""
    from litestar.logging.config import LoggingConfig

    handler = {"()": _background_handler, "formatter": "goalgate", "filters": ["request"]}
    return LoggingConfig(
        formatters=_formatters(settings),
        filters={"request": {"()": RequestFilter}},
        # Litestar adds a "queue_listener" handler of its own unless one is
        # named: unused here, it would start a second writer thread per app.
        handlers={"goalgate": handler, "queue_listener": {"class": "logging.NullHandler"}},
        root={"handlers": ["goalgate"], "level": settings.log_level},
        loggers={
            "litestar": {"level": settings.log_level, "handlers": ["goalgate"], "propagate": False}
        },
        # Litestar's own exception logging (debug mode only) would repeat ours.
        log_exceptions="never",
    )


def uvicorn_log_config(settings: Settings) -> dict[str, Any]:
    """uvicorn's own lines (start, stop, workers): its default, or JSON like the rest."""
    from uvicorn.config import LOGGING_CONFIG

    if settings.log_format != "json":
        return LOGGING_CONFIG
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "goalgate",
        "filters": ["request"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": _formatters(settings),
        "filters": {"request": {"()": RequestFilter}},
        "handlers": {"goalgate": handler},
        "loggers": {
            "uvicorn": {"handlers": ["goalgate"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["goalgate"], "level": "INFO", "propagate": False},
        },
    }
