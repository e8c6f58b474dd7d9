"""``python -m mapedit`` is the same as the ``mapedit`` console script."""

from mapedit.cli import main

raise SystemExit(main())
