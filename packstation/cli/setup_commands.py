"""The commands that need no Smart Gift request: the key in the keyring, the sandbox."""

from __future__ import annotations

import argparse
import getpass
import sys

from packstation.api import ApiKey
from packstation.config import keys


def key_command(args: argparse.Namespace) -> int:
    url = keys.resolve_api_url(args.api_url)
    if args.action == "set":
        if sys.stdin.isatty():
            secret = getpass.getpass(f"API key for {url} (not shown): ")
        else:
            secret = sys.stdin.readline()
        keys.store_key(url, ApiKey(secret))
        print(f"The API key for {url} is stored in the keyring ({keys.backend_name()}).")
        return 0
    if args.action == "delete":
        if keys.delete_key(url):
            print(f"The API key for {url} was removed from the keyring.")
        else:
            print(f"No API key was stored for {url}.")
        return 0
    stored = keys.stored_key(url)
    if stored is None:
        print(f"No API key is stored for {url} (keyring: {keys.backend_name()}).")
        return 3
    print(f"An API key is stored for {url} (keyring: {keys.backend_name()}, "
          f"fingerprint {stored.fingerprint}).")
    return 0


def run_sandbox(args: argparse.Namespace) -> int:
    from packstation.sandbox import DEMO_KEY, Faults, SandboxServer

    faults = Faults(error_rate=args.error_rate, latency=args.latency, seed=args.seed)
    server = SandboxServer(port=args.port, key=args.key or DEMO_KEY, seed=args.seed,
                           jobs=args.jobs, pdf_delay=args.pdf_delay,
                           rate_limit=args.rate_limit, rate_window=args.rate_window,
                           faults=faults, new_job_every=args.new_job_every)
    key_text = "your --key" if args.key else DEMO_KEY
    print(f"Smart Gift sandbox on {server.base_url} (key: {key_text})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0
