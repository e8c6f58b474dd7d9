"""Entry script for the frozen Windows build: the same ``mapedit`` command as the console script."""

import sys

from mapedit.cli import main

sys.exit(main())
