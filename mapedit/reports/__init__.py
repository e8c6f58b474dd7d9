"""Reports for people and other systems: what goes on the meeting table and to the platform.

Pure Python (no Qt): the content of sign-off sheets (``sheet_content``), map scales
(``scale``), information tables in Excel (``xlsx_table``), the monthly progress table
(``progress``), the difference against an earlier export (``diff``), export profiles and
manifests (``profiles``, ``manifest``). Painting the sheets and charts needs Qt and lives in
``mapedit/ui/sheets``.
"""
