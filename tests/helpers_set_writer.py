"""Writer process for the export crash test: writes a units/grids pair into a folder with
``mapedit.io.atomicfile.write_file_set`` (the exporter's switch), so the test can kill it at
every checkpoint (``MAPEDIT_TEST_EXIT_AT_STEP``).

Usage: ``python helpers_set_writer.py OUT_DIR GENERATION``. Each file reads
``<name> <generation> <padding> end``, so a reader can tell old from new and whole from cut.
"""

from __future__ import annotations

import sys

from mapedit.io.atomicfile import write_file_set

PADDING = "x" * 200_000


def content(name: str, generation: str) -> str:
    return f"{name} {generation} {PADDING} end"


def main(argv: list[str]) -> int:
    out, generation = argv[1], argv[2]
    write_file_set(out, {name: (lambda fh, n=name: fh.write(content(n, generation)))
                         for name in ("units.geojson", "grids.geojson")})
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
