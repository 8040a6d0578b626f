"""Connector credentials at rest: Fernet (AES-128-CBC + HMAC-SHA256) under the server's key.

The key is `Settings.secret_key` (BLUEPRINT_SECRET_KEY): a Fernet key as `Fernet.generate_key()`
prints it, or any passphrase (its SHA-256 becomes the key). Unset (development), a key is
generated once into `data_dir/secret.key` (mode 0600) and a warning is logged once: anyone who can
read that file can read the credentials, and losing it means entering them again."""

import base64
import binascii
import hashlib
import json
import logging
import os
import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from app.config import Settings
from app.errors import AppError

log = logging.getLogger("app.sync.secrets")
_warned: set[Path] = set()
_guard = threading.Lock()


class CredentialsUnreadable(AppError):
    status, title = 409, "Stored credentials unreadable"


def _as_fernet_key(secret: str) -> bytes:
    try:
        if len(base64.urlsafe_b64decode(secret.encode())) == 32:
            return secret.encode()
    except (binascii.Error, ValueError):
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())


def _key_file(settings: Settings) -> bytes:
    path = settings.data_dir / "secret.key"
    with _guard:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(Fernet.generate_key())
        if path not in _warned:
            _warned.add(path)
            log.warning("BLUEPRINT_SECRET_KEY is not set: sync credentials are encrypted with a key kept in "
                        "the data directory (set BLUEPRINT_SECRET_KEY in production)",
                        extra={"key_file": str(path)})
    return path.read_bytes().strip()


def _fernet(settings: Settings) -> Fernet:
    return Fernet(_as_fernet_key(settings.secret_key) if settings.secret_key else _key_file(settings))


def encrypt(settings: Settings, credentials: dict) -> str:
    """The credentials as a token only this server's key opens."""
    return _fernet(settings).encrypt(json.dumps(credentials, separators=(",", ":")).encode()).decode()


def decrypt(settings: Settings, token: str | None) -> dict:
    """The stored credentials ({} when none were given)."""
    if not token:
        return {}
    try:
        return json.loads(_fernet(settings).decrypt(token.encode()))
    except InvalidToken:
        raise CredentialsUnreadable(
            "the stored credentials cannot be decrypted with this server's secret key (was "
            "BLUEPRINT_SECRET_KEY changed?): PUT the sync configuration again with its credentials") from None
