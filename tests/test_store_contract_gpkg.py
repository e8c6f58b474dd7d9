"""The store contract (``store_contract.py``) run on the GeoPackage store."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from mapedit.io.gpkg import GpkgStore

pytest.register_assert_rewrite("store_contract")  # detailed assertion messages there too

from store_contract import *  # noqa: E402, F403 (the contract's tests run here)


class GpkgFactory:
    """Projects as GeoPackage files; the second handle is a second connection, exactly what
    another window or process has."""

    name = "gpkg"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._n = itertools.count(1)

    def create(self, dataset) -> GpkgStore:
        return GpkgStore.create(self.folder / f"项目 {next(self._n)}.gpkg", dataset)

    def second(self, store: GpkgStore) -> GpkgStore:
        return GpkgStore.open(store.path)


@pytest.fixture(params=["gpkg"])
def store_factory(request, tmp_path: Path):
    return {"gpkg": GpkgFactory}[request.param](tmp_path)
