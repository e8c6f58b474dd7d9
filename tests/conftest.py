"""Shared test setup: Qt runs offscreen, tests never touch the user's real settings."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MAPEDIT_SETTINGS_SCOPE", "test")


import pytest  # noqa: E402 - after the environment is set for Qt


@pytest.fixture(scope="session")
def demo_dataset_bytes(tmp_path_factory) -> bytes:
    """The demo street stored once per session; each test copies the file (fast, and every
    test starts from identical bytes)."""
    from mapedit.demo import generate
    from mapedit.project import Project

    path = tmp_path_factory.mktemp("demo") / "demo.gpkg"
    Project.create(path, generate()).close()
    return path.read_bytes()


@pytest.fixture
def demo_path(tmp_path, demo_dataset_bytes: bytes):
    """A fresh copy of the demo project, under a Chinese file name as a clerk would have."""
    path = tmp_path / "演示街道.gpkg"
    path.write_bytes(demo_dataset_bytes)
    return path


@pytest.fixture
def demo_project(demo_path):
    """The demo copy opened as a Project; closed afterwards unless a window already did."""
    from mapedit.project import Project

    project = Project.open(demo_path)
    yield project
    try:
        project.close()
    except Exception:  # noqa: BLE001 - the window may have closed it already
        pass


@pytest.fixture
def main_window(qtbot, demo_project):
    """The main window on the demo copy, shown at a desk-top size."""
    from tests.helpers_window import show_window

    return show_window(qtbot, demo_project)


@pytest.fixture(autouse=True)
def _reports_are_valid(monkeypatch):
    """Every report any test makes in this process is checked (tests/report_checks.py)."""
    from mapedit.rules import report
    from tests.report_checks import assert_report_valid

    real = report.report_dict

    def checked(*args, **kwargs):
        out = real(*args, **kwargs)
        assert_report_valid(out)
        return out

    monkeypatch.setattr(report, "report_dict", checked)


@pytest.fixture
def shots_dir(tmp_path):
    """Where GUI tests save screenshots for a person to look at: ``$MAPEDIT_SCREENSHOTS`` when
    set (e.g. ``/tmp/shots``), else the test's temporary folder — never the repository."""
    from pathlib import Path

    chosen = os.environ.get("MAPEDIT_SCREENSHOTS")
    path = Path(chosen) if chosen else tmp_path / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
