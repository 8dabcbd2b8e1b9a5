"""Turning an HTTP answer into a value, or into a typed error a packer can read."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from packstation.api import errors as e
from packstation.api.ratelimit import retry_after_seconds


def path_of(url: str) -> str:
    return httpx.URL(url).raw_path.decode("ascii", "replace")


def describe_transport(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "the connection was refused or the address could not be found"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return "the connection was dropped"
    return "the network failed"


def server_message(response: httpx.Response) -> str | None:
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(body, Mapping) and isinstance(body.get("message"), str):
        return str(body["message"])
    return None


def _field_errors(response: httpx.Response) -> tuple[dict[str, list[str]], dict[str, Any]]:
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return {}, {}
    if not isinstance(body, dict):
        return {}, {}
    found: dict[str, list[str]] = {}
    errors = body.get("errors")
    if isinstance(errors, Mapping):
        for field, value in errors.items():
            messages = value if isinstance(value, list) else [value]
            found[str(field)] = [str(m) for m in messages]
    return found, body


def raise_for_status(response: httpx.Response, *, asset: bool) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    message = server_message(response)
    if status in (401, 403):
        raise e.AuthError(
            f"Smart Gift did not accept the API key (HTTP {status}): it may be wrong, revoked "
            "or not allowed this. Check it with 'packstation key status'.", status=status)
    if asset and status in (404, 422):
        raise e.PdfNotReady(
            f"The voucher PDF is not ready yet: {message or 'Smart Gift has not made it yet'}.",
            status=status)
    if status == 404:
        raise e.NotFound(f"Smart Gift has no such record (HTTP 404): {path_of(str(response.url))}",
                         status=status)
    if status == 422 or (400 <= status < 500 and status != 429 and message):
        fields, body = _field_errors(response)
        raise e.ApiValidationError(message or f"Smart Gift refused the request (HTTP {status}).",
                                   status=status, field_errors=fields, body=body)
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
