import sys

from packstation.cli.main import main

sys.exit(main())
