"""The bundle's entry point: the same ``packstation`` command as the installed package."""

import sys

from packstation.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
