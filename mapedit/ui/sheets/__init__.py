"""Paper output painted with Qt: sign-off sheets (PDF) and report charts.

Imports Qt but never the main window, so the CLI (``mapedit sheets``) uses it headless. Entry
points: :func:`mapedit.ui.sheets.atlas.write_sheets` / ``write_project_sheets``.
"""
