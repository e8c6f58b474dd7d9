"""mapedit.heap: freed memory goes back to the system between the window's stages."""

from __future__ import annotations

import sys

import pytest

from mapedit import heap


def _rss_kb() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))


@pytest.mark.skipif(not sys.platform.startswith("linux") or heap._trim is None,
                    reason="malloc_trim is glibc's")
def test_freed_small_blocks_are_given_back():
    import shapely

    # ~60 MB of small GEOS allocations (below the mmap threshold: they stay in the heap when
    # freed), then freed: trimming must hand most of those pages back
    geoms = shapely.buffer(shapely.points([(i, i) for i in range(60_000)]), 1.0, quad_segs=16)
    # live blocks after them: the freed pages lie inside the heap, which glibc keeps (only
    # free memory at the heap's top goes back by itself)
    pins = shapely.buffer(shapely.points([(i, i) for i in range(200)]), 1.0)
    before = _rss_kb()
    del geoms
    freed = _rss_kb()
    assert heap.release_free_memory() is True
    after = _rss_kb()
    assert after < freed - 10_000, (before, freed, after)
    assert len(pins) == 200


def test_without_malloc_trim_it_does_nothing(monkeypatch):
    monkeypatch.setattr(heap, "_trim", None)
    assert heap.release_free_memory() is False
