"""Geometry operations behind the editing tools, one module per concern.

Every operation is a pure function of a :class:`~mapedit.model.dataset.Dataset` that returns a
:class:`~mapedit.model.changes.ChangeSet` (or plain geometry for queries); nothing here mutates
the dataset, so the GUI and the CLI apply the result with ``project.apply`` and undo it with the
inverse. :mod:`mapedit.model.geometry_ops` re-exports the public API.
"""
