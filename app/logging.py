"""Structured logs: one JSON object per line, with secrets in URLs' query strings redacted."""

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "color_message"}
# Query parameter names that carry credentials: any name containing one of these words, or equal
# to one of the short ones. Keys are only accepted in the Authorization header, but clients try.
_SECRET_WORDS = ("key", "token", "secret", "password", "passwd", "signature", "auth", "credential")
_SECRET_NAMES = {"sig", "pwd", "pass"}
_QUERY_PAIR = re.compile(r"(?P<lead>[?&;])(?P<name>[^=&;#?\s\"']+)=(?P<value>[^&;#\s\"']*)")
REDACTED = "[redacted]"


def _is_secret(name: str) -> bool:
    name = unquote_plus(name).lower().replace("-", "_")
    return name in _SECRET_NAMES or any(word in name for word in _SECRET_WORDS)


def redact_query_secrets(text: str) -> str:
    """`text` with the values of credential-like query parameters replaced by [redacted]."""
    if "=" not in text:
        return text
    return _QUERY_PAIR.sub(lambda m: f"{m['lead']}{m['name']}={REDACTED}" if _is_secret(m["name"]) else m[0], text)


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact_query_secrets(value)
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redacted(v) for v in value)
    return value


class RedactQuerySecrets(logging.Filter):
    """Rewrites a record's message, arguments and extra fields (uvicorn's access line carries the
    request's path and query as an argument) so no credential in a query string is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_query_secrets(record.msg)
        if isinstance(record.args, tuple | dict):
            record.args = _redacted(record.args)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD:
                setattr(record, name, _redacted(value))
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                 "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO", as_json: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if as_json else logging.Formatter("%(levelname)s %(name)s %(message)s"))
    # On the handler, so it sees every record, uvicorn's access lines and the app's alike.
    handler.addFilter(RedactQuerySecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
