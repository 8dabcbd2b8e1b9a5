"""The API key and the rules about where it may go.

The key is wrapped so that ``repr``/``str``/f-strings, tracebacks with locals
and logging never show it; only :meth:`ApiKey.reveal` gives the secret, and
only the HTTP layer calls it. Every live :class:`Secret` (the key, later a
database password) is also scrubbed from server text we keep (:func:`redact`)
and from every log record, as a second line of defence.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import re
import weakref
from typing import Any, Final
from urllib.parse import urlsplit

from packstation.api.errors import ConfigError

# Decided without DNS: literal loopback addresses, and this one name (other names such
# as ip6-localhost are whatever /etc/hosts or DNS say they are).
_LOOPBACK_NAMES: Final = {"localhost"}
REDACTED: Final = "<redacted>"
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


class Secret:
    """A secret that does not print itself, and is scrubbed from text we keep or log."""

    __slots__ = ("__weakref__", "_secret")

    def __init__(self, secret: str) -> None:
        self._secret = secret
        if len(secret) >= 6:  # shorter would redact ordinary words
            _KNOWN_SECRETS.add(self)

    def reveal(self) -> str:
        return self._secret

    def hint(self) -> str:
        """Enough to recognise a key by, never enough to use it: its last four characters."""
        return f"…{self._secret[-4:]}" if len(self._secret) >= 16 else "(a short key)"

    @property
    def fingerprint(self) -> str:
        """A short, non-reversible id: tells secrets apart in logs and budgets."""
        return hashlib.sha256(self._secret.encode()).hexdigest()[:10]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<redacted {self.fingerprint}>)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and type(other) is type(self) \
            and other._secret == self._secret

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._secret))

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError(f"{type(self).__name__} cannot be pickled")


class ServiceKey(Secret):
    """A key a service is sent in a header: one token, trimmed, with no space or control
    character (a header could not carry it). ``what`` names it in the refusal."""

    __slots__ = ()
    what = "The API key"

    def __init__(self, secret: str) -> None:
        secret = secret.strip()
        if not secret:
            raise ConfigError(f"{self.what} is empty.")
        if any(ord(c) < 0x21 or ord(c) == 0x7F for c in secret):
            raise ConfigError(f"{self.what} contains spaces or control characters.")
        super().__init__(secret)


class ApiKey(ServiceKey):
    """A Smart Gift secret key."""

    __slots__ = ()

_KNOWN_SECRETS: weakref.WeakSet[Secret] = weakref.WeakSet()


def redact(text: str) -> str:
    """``text`` with every live secret replaced by ``<redacted>`` (server text echoing one)."""
    for secret in list(_KNOWN_SECRETS):
        value = secret.reveal()
        if value in text:
            text = text.replace(value, REDACTED)
    return text


def redact_bytes(data: bytes) -> bytes:
    """An answer's body with every live secret replaced (a C-speed search per secret)."""
    for secret in list(_KNOWN_SECRETS):
        value = secret.reveal().encode()
        if value in data:
            data = data.replace(value, REDACTED.encode())
    return data


_SURROGATES = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """``text`` with lone surrogates (which UTF-8, SQLite and terminals refuse) as U+FFFD."""
    return _SURROGATES.sub("\ufffd", text)


class RedactKeysFilter(logging.Filter):
    """Replaces every live secret in a log record's text (and traceback) with ``<redacted>``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _KNOWN_SECRETS:
            return True
        text = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        scrubbed = redact(text)
        if scrubbed != text:
            record.msg, record.args = scrubbed, None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
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
        raise ConfigError(f"The address {_without_user(url)[:200]!r} has an invalid port.") \
            from exc
    return scheme, host, port


def _authority(url: str) -> str:
    rest = url.split("//", 1)[1] if "//" in url else ""
    return re.split(r"[/?#]", rest, maxsplit=1)[0]


def _without_user(url: str) -> str:
    return re.sub(r"//[^/?#]*@", "//", url)


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
    if "@" in _authority(url):  # said first: never echoed with a password in it
        raise ConfigError("The API address must not contain a user name or password.")
    scheme, host, _port = origin_of(url)
    if scheme not in ("https", "http") or not host:
        raise ConfigError(f"The API address {url[:200]!r} is not an http(s) URL.")
    if scheme == "http" and not is_loopback(host):
        raise ConfigError(
            f"Refusing plain HTTP to {host}: the API key is only sent over HTTPS "
            "(plain HTTP is allowed to this computer's loopback address only)."
        )
    if urlsplit(url).username or urlsplit(url).password:
        raise ConfigError("The API address must not contain a user name or password.")
    return url.rstrip("/")
