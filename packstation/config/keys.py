"""The API key in the OS keyring: service ``packstation``, user name = the API URL.
The courier's key likewise: service ``packstation-courier``, user name = its URL.

``PACKSTATION_API_KEY`` overrides the keyring for headless use. A plain-text
keyring backend (keyrings.alt) is refused unless the user chose it explicitly
(``PYTHON_KEYRING_BACKEND`` or keyring's own config file): the key must never
end up in a file by accident.
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import TYPE_CHECKING

from packstation.api import ENVIRONMENTS, PRODUCTION_URL, ApiKey, MissingKeyError
from packstation.api.secret import Secret, check_base_url
from packstation.config.settings import Settings

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

    from packstation.courier.models import CourierKey

SERVICE = "packstation"


def _keyring() -> ModuleType:
    """keyring, imported when a key is really looked up (70 ms, and D-Bus on Linux)."""
    import keyring
    import keyring.core
    import keyring.errors

    return keyring


def resolve_api_url(cli_url: str | None = None, settings: Settings | None = None) -> str:
    """``--api-url`` > ``PACKSTATION_API_URL`` > settings file > production."""
    if settings is None and not cli_url and not os.environ.get("PACKSTATION_API_URL"):
        settings = Settings.load()
    url = (cli_url or os.environ.get("PACKSTATION_API_URL")
           or (settings.api_url if settings else "") or PRODUCTION_URL)
    return check_base_url(ENVIRONMENTS.get(url.strip().lower(), url.strip()))


def _named_explicitly(candidate: KeyringBackend, chosen: KeyringBackend) -> bool:
    """The user named this very backend (``PYTHON_KEYRING_BACKEND`` or keyring's config).

    Naming the chainer, or anything else whose chain ends in a plain-text file, is not
    choosing that file: only a backend chosen by itself counts.
    """
    keyring = _keyring()
    if candidate is not chosen:
        return False
    named = os.environ.get("PYTHON_KEYRING_BACKEND") or keyring.core.load_config()
    if named is None:
        return False
    wanted = named if isinstance(named, str) else \
        f"{type(named).__module__}.{type(named).__name__}"
    return wanted.strip() == f"{type(candidate).__module__}.{type(candidate).__name__}"


def _is_plaintext(candidate: KeyringBackend) -> bool:
    return type(candidate).__module__.startswith("keyrings.alt")


def _is_unusable(candidate: KeyringBackend) -> bool:
    module = type(candidate).__module__
    return module.startswith(("keyring.backends.fail", "keyring.backends.null"))


def backend() -> KeyringBackend:
    """The usable keyring backend, or :class:`MissingKeyError` saying why there is none.

    keyring's default chain may end in a plain-text file backend; that one is
    skipped unless chosen explicitly, so the key never lands in a file silently.
    """
    keyring = _keyring()
    try:
        chosen = keyring.get_keyring()
        candidates = list(getattr(chosen, "backends", None) or [chosen])  # a ChainerBackend
    except Exception as exc:  # a backend probing D-Bus can raise anything: no keyring, said
        raise MissingKeyError(f"The keyring could not be opened ({type(exc).__name__}). Set "
                              "PACKSTATION_API_KEY for headless use instead.") from None
    usable = [c for c in candidates if not _is_unusable(c)]
    safe = [c for c in usable if not _is_plaintext(c) or _named_explicitly(c, chosen)]
    if safe:
        found: KeyringBackend = safe[0]
        return found
    if usable:
        raise MissingKeyError(
            "Only a plain-text keyring is available; packstation will not write the API key to "
            "a file unless you name that backend itself in PYTHON_KEYRING_BACKEND "
            "(e.g. keyrings.alt.file.PlaintextKeyring).")
    raise MissingKeyError(
        "No keyring is available to keep the API key (on Linux: a Secret Service such as "
        "GNOME Keyring or KWallet). Set PACKSTATION_API_KEY for headless use instead.")


def backend_name() -> str:
    keyring = _keyring()
    try:
        chosen = backend()
    except MissingKeyError:
        chosen = keyring.get_keyring()
    return f"{type(chosen).__module__}.{type(chosen).__name__}"


def _read(service: str, user: str) -> str | None:
    """A secret from the keyring (None: none stored), its failure said in words."""
    keyring = _keyring()
    try:
        return backend().get_password(service, user) or None
    except keyring.errors.KeyringError as exc:
        raise MissingKeyError(f"The keyring could not be read ({type(exc).__name__}).") from None


def _write(service: str, user: str, secret: Secret | str, what: str) -> None:
    keyring = _keyring()
    try:  # a key is revealed in the call only: never a local of ours (a traceback's)
        backend().set_password(service, user, secret.reveal() if isinstance(secret, Secret)
                               else secret)
    except keyring.errors.KeyringError as exc:
        raise MissingKeyError(f"The keyring refused {what} ({type(exc).__name__}).") from None


def load_key(api_url: str) -> ApiKey:
    env = os.environ.get("PACKSTATION_API_KEY")
    if env:
        return ApiKey(env)
    secret = _read(SERVICE, api_url)
    if not secret:
        raise MissingKeyError(
            f"No API key is stored for {api_url}. Run 'packstation key set' "
            "(or set PACKSTATION_API_KEY).")
    return ApiKey(secret)


def store_key(api_url: str, key: ApiKey) -> None:
    _write(SERVICE, api_url, key, "the key")


def delete_key(api_url: str) -> bool:
    """True when a key was deleted, False when none was stored."""
    keyring = _keyring()
    try:
        backend().delete_password(SERVICE, api_url)
    except keyring.errors.PasswordDeleteError:
        return False
    except keyring.errors.KeyringError as exc:
        raise MissingKeyError(f"The keyring refused ({type(exc).__name__}).") from None
    return True


def stored_key(api_url: str) -> ApiKey | None:
    secret = _read(SERVICE, api_url)
    return ApiKey(secret) if secret else None


SITE_SERVICE = "packstation-site"  # the site database's password, by its URL (no password)


def site_password(site_url: str) -> str | None:
    """The site database's password from the keyring (None: none stored; PGPASSWORD or a
    .pgpass file may still give one, as psycopg reads them)."""
    return _read(SITE_SERVICE, _site_user(site_url))


def store_site_password(site_url: str, password: str) -> None:
    _write(SITE_SERVICE, _site_user(site_url), password, "the password")


def _site_user(site_url: str) -> str:
    from packstation.store.site_database import shown_url

    return shown_url(site_url)


COURIER_SERVICE = "packstation-courier"  # the courier's key, by the courier's API address


def _courier_user(courier_url: str) -> str:
    """The key's user name: the courier's address as the client uses it (no trailing /)."""
    return courier_url.strip().rstrip("/")


def load_courier_key(courier_url: str) -> CourierKey:
    """``PACKSTATION_COURIER_KEY`` (headless), else the keyring's for this courier address."""
    from packstation.courier.models import CourierKey

    env = os.environ.get("PACKSTATION_COURIER_KEY")
    if env:
        return CourierKey(env)
    found = stored_courier_key(courier_url)
    if found is None:
        raise MissingKeyError(f"No courier key is stored for {_courier_user(courier_url)}. "
                              "Run 'packstation "
                              "courier key set' (or set PACKSTATION_COURIER_KEY).")
    return found


def stored_courier_key(courier_url: str) -> CourierKey | None:
    from packstation.courier.models import CourierKey

    secret = _read(COURIER_SERVICE, _courier_user(courier_url))
    return CourierKey(secret) if secret else None


def store_courier_key(courier_url: str, key: CourierKey) -> None:
    _write(COURIER_SERVICE, _courier_user(courier_url), key, "the courier's key")
