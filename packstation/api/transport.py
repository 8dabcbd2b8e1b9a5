"""One HTTP exchange with Smart Gift, bounded in time and size, the key added last.

The key is set on the request by :class:`KeyAuth` as httpx sends it, so no
dict or local variable of ours ever holds it (a traceback formatted with its
locals shows none). Every failure becomes a typed :class:`ApiError` raised
outside the ``except`` block, so it carries no chained httpx context either.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Generator, Mapping
from typing import Any

import httpx

from packstation.api import errors as e
from packstation.api.body import TooLarge, read_capped
from packstation.api.responses import Answer, describe_transport
from packstation.api.secret import Origin, Secret, origin_of


class KeyAuth(httpx.Auth):
    """``Smart-Auth`` (or the service's ``header``) on requests to the configured origin,
    and on no other."""

    def __init__(self, key: Secret, origin: Origin, header: str = "Smart-Auth") -> None:
        self._key = key
        self._origin = origin
        self._header = header

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if origin_of(str(request.url)) == self._origin:
            request.headers[self._header] = self._key.reveal()
        yield request

    def __repr__(self) -> str:
        return f"KeyAuth({self._key!r})"


def _causes(exc: BaseException) -> Generator[BaseException, None, None]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def transport_failure(exc: Exception, host: str, service: str = "Smart Gift") -> e.ApiError:
    """A packer's sentence for what went wrong on the wire (the exception is not kept)."""
    if any(isinstance(c, ssl.SSLCertVerificationError) for c in _causes(exc)):
        return e.CertificateRefused(
            f"The security certificate of {host} was refused (self-signed, expired or for "
            "another name), so the API key was not sent. Check the API address; a proxy "
            "that inspects HTTPS needs its certificate installed on this computer.")
    if isinstance(exc, httpx.TimeoutException):
        return e.NetworkError(f"{service} at {host} did not answer in time.")
    if isinstance(exc, httpx.TransportError):
        reason = describe_transport(exc)
    else:  # InvalidURL, a decoder's surprise: never a traceback for what a server sent
        reason = f"the exchange failed ({type(exc).__name__})"
    return e.NetworkError(f"Could not reach {service} at {host}: {reason}.")


def on_written(written: asyncio.Event | None) -> dict[str, Any]:
    """httpx request extensions that set ``written`` once the request body is sent
    (httpcore's trace: ``http11.send_request_body.complete``, the same for http2)."""
    if written is None:
        return {}

    async def trace(event: str, info: Mapping[str, Any]) -> None:
        if event.endswith("send_request_body.complete"):
            written.set()

    return {"trace": trace}


async def exchange(http: httpx.AsyncClient, request: httpx.Request, auth: KeyAuth,
                   cap: int, what: str, service: str = "Smart Gift") -> Answer:
    """Send ``request`` and read its answer, refusing a body over ``cap`` bytes decoded."""
    host = origin_of(str(request.url))[1]
    failure: e.ApiError | None = None
    try:
        response = await http.send(request, auth=auth, stream=True)
        try:
            length = response.headers.get("content-length", "")
            if length.isdigit() and len(length) < 20 and int(length) > cap:
                raise TooLarge(f"{service} sent {what} of {int(length) / 2**20:.0f} MB, more "
                               f"than the {cap / 2**20:.0f} MB this station accepts; nothing "
                               "of it was read (the limit is a setting).")
            content = await read_capped(response.aiter_raw(),
                                        response.headers.get("content-encoding", ""), cap, what,
                                        service)
        finally:
            await response.aclose()
    except e.ApiError as exc:
        failure = exc
    except Exception as exc:  # the rest is the wire's failure (InvalidURL...), typed here
        failure = transport_failure(exc, host, service)
    if failure is not None:
        failure.__context__ = None  # nothing of httpx (or its locals) rides along
        raise failure
    return Answer(response.status_code, response.headers, content, str(response.url))


def warm_up() -> None:
    """Import what httpx loads on its first request (anyio's asyncio backend, 50-100 ms
    of imports) now, in the caller's worker thread, not on the UI's loop at the first sync.
    """
    import anyio._backends._asyncio  # noqa: F401
    import httpcore._backends.anyio  # noqa: F401
