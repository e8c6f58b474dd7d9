"""Apply a change set to an in-memory dataset (no store).

``Project.apply`` does this plus the store transaction and the checker; scripted sessions,
previews and tests that have no project use this. Inserted grids get the next free fid, and the
returned change set carries those fids so its inverse deletes exactly them.
"""

from __future__ import annotations

from mapedit.model.changes import ChangeSet, GridChange
from mapedit.model.dataset import Dataset


def apply_to_dataset(dataset: Dataset, changeset: ChangeSet) -> ChangeSet:
    """Apply in place; return the change set with fids filled in for inserts."""
    next_fid = max(dataset.grids, default=0) + 1
    applied: list[GridChange] = []
    for c in changeset.changes:
        before, after = c.before, c.after
        if after is not None and after.fid is None:
            after = after.replace(fid=next_fid)
            next_fid += 1
        if after is None:
            if before is not None:
                dataset.grids.pop(before.fid, None)
        else:
            dataset.grids[after.fid] = after
        applied.append(GridChange(before, after))
    return ChangeSet(changeset.zh, changeset.en, applied)
