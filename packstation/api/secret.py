"""The API key and the rules about where it may go.

The key is wrapped so that ``repr``/``str``/f-strings, tracebacks with locals
and logging never show it; only :meth:`ApiKey.reveal` gives the secret, and
only the HTTP layer calls it. A logging filter scrubs any known key from
every log record as a second line of defence.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import weakref
from typing import Any, Final
from urllib.parse import urlsplit

from packstation.api.errors import ConfigError

_LOOPBACK_NAMES: Final = {"localhost", "localhost.localdomain", "ip6-localhost"}
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


class ApiKey:
    """A Smart Gift secret key that does not print itself."""

    __slots__ = ("__weakref__", "_secret")

    def __init__(self, secret: str) -> None:
        secret = secret.strip()
        if not secret:
            raise ConfigError("The API key is empty.")
        if any(ord(c) < 0x21 or ord(c) == 0x7F for c in secret):
            raise ConfigError("The API key contains spaces or control characters.")
        self._secret = secret
        _KNOWN_KEYS.add(self)

    def reveal(self) -> str:
        return self._secret

    def hint(self) -> str:
        """Enough to recognise a key by, never enough to use it: its last four characters."""
        return f"…{self._secret[-4:]}" if len(self._secret) >= 16 else "(a short key)"

    @property
    def fingerprint(self) -> str:
        """A short, non-reversible id: tells keys apart in logs and budgets."""
        return hashlib.sha256(self._secret.encode()).hexdigest()[:10]

    def __repr__(self) -> str:
        return f"ApiKey(<redacted {self.fingerprint}>)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApiKey) and other._secret == self._secret

    def __hash__(self) -> int:
        return hash(("ApiKey", self._secret))

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError("ApiKey cannot be pickled")


_KNOWN_KEYS: weakref.WeakSet[ApiKey] = weakref.WeakSet()


class RedactKeysFilter(logging.Filter):
    """Replaces every live API key in a log record's text with ``<redacted>``."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = [k.reveal() for k in list(_KNOWN_KEYS)]
        if not secrets:
            return True
        text = record.getMessage()
        if any(s in text for s in secrets):
            for s in secrets:
                text = text.replace(s, "<redacted>")
            record.msg, record.args = text, None
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Attach the redaction filter to every handler of ``logger`` (root by default)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactKeysFilter) for f in handler.filters):
            handler.addFilter(RedactKeysFilter())


Origin = tuple[str, str, int]


def origin_of(url: str) -> Origin:
    """(scheme, host, port) with default ports filled in, host lower-cased."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
    except ValueError as exc:
        raise ConfigError(f"The address {url!r} has an invalid port.") from exc
    return scheme, host, port


def is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """Validate an API base URL: HTTPS, or plain HTTP to loopback only.

    Returns the URL without a trailing slash.
    """
    scheme, host, _port = origin_of(url)
    if scheme not in ("https", "http") or not host:
        raise ConfigError(f"The API address {url!r} is not an http(s) URL.")
    if scheme == "http" and not is_loopback(host):
        raise ConfigError(
            f"Refusing plain HTTP to {host}: the API key is only sent over HTTPS "
            "(plain HTTP is allowed to this computer's loopback address only)."
        )
    if urlsplit(url).username or urlsplit(url).password:
        raise ConfigError("The API address must not contain a user name or password.")
    return url.rstrip("/")
