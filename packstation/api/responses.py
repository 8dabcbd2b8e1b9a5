"""Turning an HTTP answer into a value, or into a typed error a packer can read."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from packstation.api import errors as e
from packstation.api.fields import MAX_ID
from packstation.api.ratelimit import retry_after_seconds
from packstation.api.secret import redact, storable


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer, its body already read within the size cap."""

    status_code: int
    headers: httpx.Headers
    content: bytes
    url: str


def path_of(url: str) -> str:
    return httpx.URL(url).raw_path.decode("ascii", "replace")


def describe_transport(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "the connection was refused or the address could not be found"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return "the connection was dropped"
    return "the network failed"


MAX_MESSAGE: int = 2000  # characters of the server's message we keep and show


def _error_body(response: Answer) -> Any:
    if len(response.content) > 1 << 20:  # an error body has no business being this big
        return None
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def _text(value: Any) -> str:
    """Server text as we keep it: never a secret, never unbounded, always storable.

    Redacted before it is cut (a cut key would no longer be recognised), and a lone
    surrogate (valid in JSON's escapes, not in UTF-8) becomes U+FFFD: SQLite refuses it.
    """
    text = redact(value if isinstance(value, str) else type(value).__name__)
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE] + "…"
    return storable(text)


def _message(body: Any) -> str | None:
    if isinstance(body, Mapping) and isinstance(body.get("message"), str):
        return _text(body["message"])
    return None


def server_message(response: Answer) -> str | None:
    return _message(_error_body(response))


def _scrubbed(value: Any, depth: int = 0) -> Any:
    """The error body with every string redacted and bounded (it may be shown or stored)."""
    if isinstance(value, str):
        return _text(value)
    if depth > 8:
        return None
    if isinstance(value, Mapping):
        return {_text(str(k)): _scrubbed(v, depth + 1) for k, v in list(value.items())[:200]}
    if isinstance(value, list):
        return [_scrubbed(v, depth + 1) for v in value[:200]]
    return value if isinstance(value, bool | float | None) or (
        isinstance(value, int) and abs(value) < MAX_ID) else None


def _field_errors(raw: Any) -> tuple[dict[str, list[str]], dict[str, Any]]:
    body = _scrubbed(raw)
    if not isinstance(body, dict):
        return {}, {}
    found: dict[str, list[str]] = {}
    errors = body.get("errors")
    if isinstance(errors, Mapping):
        for field, value in errors.items():
            messages = value if isinstance(value, list) else [value]
            # Strings are scrubbed already; a number or a nested value is shown as text.
            found[str(field)] = [m if isinstance(m, str) else _text(str(m)) for m in messages]
    return found, body


def refusal(response: Answer) -> tuple[str | None, dict[str, list[str]], dict[str, Any]]:
    """A refused request's message, field errors and body: scrubbed and bounded."""
    body = _error_body(response)
    fields, scrubbed = _field_errors(body)
    return _message(body), fields, scrubbed


def raise_for_status(response: Answer, *, asset: bool) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    body = _error_body(response)  # read once, for the message and the field errors
    message = _message(body)
    if status in (401, 403):
        raise e.AuthError(
            f"Smart Gift did not accept the API key (HTTP {status}): it may be wrong, revoked "
            "or not allowed this. Check it with 'packstation key status'.", status=status)
    if asset and status in (404, 422):
        raise e.PdfNotReady(
            f"The voucher PDF is not ready yet: {message or 'Smart Gift has not made it yet'}.",
            status=status)
    if status == 404:
        raise e.NotFound(f"Smart Gift has no such record (HTTP 404): {path_of(response.url)}",
                         status=status)
    if status == 422 or (400 <= status < 500 and status != 429 and message):
        fields, scrubbed = _field_errors(body)
        raise e.ApiValidationError(message or f"Smart Gift refused the request (HTTP {status}).",
                                   status=status, field_errors=fields, body=scrubbed)
    if status == 429:
        wait = retry_after_seconds(response.headers)
        raise e.RateLimited(
            f"Smart Gift asked us to slow down; it will take requests again in {wait:.0f} s.",
            retry_after=wait)
    if status == 503:
        raise e.Unavailable(
            "Smart Gift is temporarily unavailable (maintenance or overload); try again shortly.",
            retry_after=retry_after_seconds(response.headers, default=0.0) or None)
    if status >= 500:
        raise e.ServerError(
            f"Smart Gift was unable to process the request (HTTP {status}).", status=status)
    raise e.BadResponse(f"Smart Gift answered with an unexpected HTTP {status}.", status=status)
