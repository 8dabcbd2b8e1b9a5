"""The API key in a real keyring: GNOME Keyring's Secret Service in a private dbus session."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyrings.alt.file import PlaintextKeyring

from packstation.api import MissingKeyError
from packstation.config import keys
from packstation.sandbox import DEMO_KEY, SandboxServer


def packstation(env: dict[str, str], *args: str,
                stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "packstation", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=60)


def test_key_set_status_delete_in_secret_service(secret_service: dict[str, str],
                                                 tmp_path: Path) -> None:
    env = {**secret_service, "PACKSTATION_CONFIG_DIR": str(tmp_path)}
    secret = "sk_live_keyring_test_5551"
    result = packstation(env, "key", "set", stdin=secret + "\n")
    assert result.returncode == 0, result.stderr
    assert "SecretService" in result.stdout and secret not in result.stdout
    status = packstation(env, "key", "status")
    assert status.returncode == 0 and "is stored" in status.stdout
    assert secret not in status.stdout + status.stderr
    # It really is in the Secret Service, under service "packstation" and the API URL.
    if shutil.which("secret-tool"):
        lookup = subprocess.run(["secret-tool", "lookup", "service", "packstation",
                                 "username", "https://api.smart-gift.co.uk"],
                                env=env, capture_output=True, text=True)
        assert lookup.stdout.strip() == secret
    # ...and nowhere in our files.
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert secret not in path.read_text(errors="replace")
    deleted = packstation(env, "key", "delete")
    assert deleted.returncode == 0 and "removed" in deleted.stdout
    gone = packstation(env, "key", "status")
    assert gone.returncode == 3 and "No API key" in gone.stdout


def test_stored_key_is_used_for_requests(secret_service: dict[str, str]) -> None:
    with SandboxServer(pdf_delay=0, jobs=3) as sandbox:
        env = {**secret_service, "PACKSTATION_API_URL": sandbox.base_url}
        env.pop("PACKSTATION_API_KEY", None)
        assert packstation(env, "key", "set", stdin=DEMO_KEY).returncode == 0
        listed = packstation(env, "jobs", "list")
        assert listed.returncode == 0, listed.stderr
        assert "3 jobs" in listed.stdout
        # The key belongs to that URL only: another address has none.
        other = packstation({**env, "PACKSTATION_API_URL": "http://127.0.0.1:9"}, "jobs", "list")
        assert other.returncode == 3 and "No API key is stored" in other.stderr


def test_environment_key_overrides_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PACKSTATION_API_KEY", "sk_from_env")
    assert keys.load_key("https://api.smart-gift.co.uk").reveal() == "sk_from_env"


def test_plain_text_backend_only_when_chosen(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))  # no keyringrc.cfg choosing one
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    previous = keyring.get_keyring()
    keyring.set_keyring(PlaintextKeyring())
    try:
        with pytest.raises(MissingKeyError) as caught:
            keys.store_key("https://api.smart-gift.co.uk", keys.ApiKey("sk_x"))
        assert "plain-text" in str(caught.value)
        assert not list(tmp_path.rglob("*.cfg"))  # nothing was written
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
        keys.store_key("https://api.smart-gift.co.uk", keys.ApiKey("sk_chosen"))
        assert keys.load_key("https://api.smart-gift.co.uk").reveal() == "sk_chosen"
    finally:
        keyring.set_keyring(previous)


def test_no_keyring_at_all_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from keyring.backends.fail import Keyring as FailKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    try:
        with pytest.raises(MissingKeyError) as caught:
            keys.load_key("https://api.smart-gift.co.uk")
        assert "PACKSTATION_API_KEY" in str(caught.value)
    finally:
        keyring.set_keyring(previous)


def test_naming_the_chainer_is_not_choosing_a_plain_text_file(tmp_path: Path) -> None:
    """PYTHON_KEYRING_BACKEND set to the chainer (or anything but the file backend itself)
    must not let the chain's plain-text file take the key."""
    env = {k: v for k, v in __import__("os").environ.items()
           if k not in ("DBUS_SESSION_BUS_ADDRESS", "PACKSTATION_API_KEY")}
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), PACKSTATION_CONFIG_DIR=str(tmp_path),
               PYTHON_KEYRING_BACKEND="keyring.backends.chainer.ChainerBackend")
    secret = "sk_live_never_in_a_file_8080"
    refused = packstation(env, "key", "set", stdin=secret + "\n")
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert "plain-text" in refused.stderr and "PYTHON_KEYRING_BACKEND" in refused.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file()
               and secret in p.read_text(errors="replace")]
    assert written == []
    # Naming the file backend itself is a choice, and is honoured.
    env["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    chosen = packstation(env, "key", "set", stdin=secret + "\n")
    assert chosen.returncode == 0, chosen.stderr
    assert "PlaintextKeyring" in chosen.stdout


def test_a_keyring_that_fails_while_probed_is_no_keyring_not_a_crash() -> None:
    """keyring's chainer probes each backend; Secret Service without D-Bus raised
    RuntimeError there, and the CLI exited 1 with 'unexpected error'."""
    class Probing(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        @property
        def backends(self) -> list[KeyringBackend]:  # as keyring's chainer computes them
            raise RuntimeError("Environment variable DBUS_SESSION_BUS_ADDRESS is unset")

        def get_password(self, service: str, username: str) -> str | None:
            raise AssertionError("not reached")

        def set_password(self, service: str, username: str, password: str) -> None:
            raise AssertionError("not reached")

    previous = keyring.get_keyring()
    keyring.set_keyring(Probing())
    try:
        with pytest.raises(MissingKeyError, match="could not be opened"):
            keys.load_key("https://api.smart-gift.co.uk")
    finally:
        keyring.set_keyring(previous)
