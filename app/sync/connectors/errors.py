"""The two errors a connector raises: bad settings (422, before any pull) and a failed pull."""

import re
from collections.abc import Iterable
from typing import Any

from app.errors import AppError

_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


class InvalidConnectorConfig(AppError):
    """The connector, its params or its credentials do not validate; `field` names the first bad one
    (e.g. `params.base_url`), `errors` lists them all as {location, message}."""

    status, title = 422, "Invalid connector settings"

    def __init__(self, field: str, message: str, errors: list[dict] | None = None) -> None:
        super().__init__(f"{field}: {message}", field=field,
                         errors=errors or [{"location": field, "message": message}])
        self.field = field


class SyncError(AppError):
    """A pull failed. `retryable` says whether trying again later may succeed (timeouts, 429, 5xx)
    or the settings must change first (401/403, 404, records the mapping cannot read). The message
    says what to fix and never holds a credential (see `redact`)."""

    status, title = 502, "Sync source failed"

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None,
                 **extra: Any) -> None:
        super().__init__(message, retryable=retryable, **extra)
        self.retryable = retryable
        self.retry_after = retry_after


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret value and any user:password@ part of a URL replaced by ***."""
    out = _USERINFO.sub("***@", text)
    for secret in sorted({s for s in secrets if s and len(s) >= 3}, key=len, reverse=True):
        out = out.replace(secret, "***")
    return out
