"""Typed errors of the Smart Gift client.

Each error's ``str()`` is a sentence a packer can read. None of them ever
carries the API key: messages are built from status codes, paths and the
server's own ``message`` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ApiError(Exception):
    """Base of every error the client raises."""

    #: Exit code the CLI uses for this kind of failure.
    exit_code = 5

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r})"


class ConfigError(ApiError):
    """The client is configured in a way we refuse (plain HTTP, foreign origin)."""

    exit_code = 2


class MissingKeyError(ConfigError):
    """No API key is stored or no keyring backend is usable."""

    exit_code = 3


class AuthError(ApiError):
    """401/403: the key is wrong, revoked or not allowed this call."""

    exit_code = 3


class NotFound(ApiError):
    """404: the job, agreement or asset does not exist."""

    exit_code = 4


class PdfNotReady(NotFound):
    """The voucher PDF has not been generated yet (the service takes up to 300 s)."""

    exit_code = 5  # temporary: worth trying again, unlike a real 404


class ApiValidationError(ApiError):
    """422: the server refused the request; carries its ``message`` and field errors."""

    exit_code = 4

    def __init__(
        self,
        message: str,
        *,
        status: int | None = 422,
        field_errors: Mapping[str, list[str]] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, status=status)
        self.field_errors: dict[str, list[str]] = dict(field_errors or {})
        self.body: dict[str, Any] = dict(body or {})


class RateLimited(ApiError):
    """429: too many requests; ``retry_after`` says how long to wait (seconds)."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, status=429)
        self.retry_after = retry_after


class Unavailable(ApiError):
    """503: Smart Gift is down for maintenance or overloaded; worth retrying later."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message, status=503)
        self.retry_after = retry_after


class ServerError(ApiError):
    """Any other 5xx: Smart Gift gives no detail."""


class NetworkError(ApiError):
    """Timeout, refused or reset connection: the request may not have arrived."""


class BadResponse(ApiError):
    """The answer is not what was asked for: not JSON, wrong shape, or not a PDF."""


RETRYABLE = (RateLimited, Unavailable, NetworkError)


class CertificateRefused(ApiError):
    """The server's TLS certificate could not be verified: the key was not sent.

    Not retried: a self-signed or mismatched certificate does not fix itself.
    """
