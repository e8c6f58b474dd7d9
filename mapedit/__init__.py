"""mapedit: a desktop editor for micro-grids (微网格) of street offices.

The package is layered top-down: ``cli`` → ``ui`` → ``project`` → ``rules``/``io``/``demo`` →
``model``. Everything below ``ui`` is pure Python (no Qt) so it runs headless and from the CLI.
"""

__version__ = "0.1.0"
