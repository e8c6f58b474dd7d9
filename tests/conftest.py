"""Shared test setup: Qt runs offscreen, tests never touch the user's real settings."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MAPEDIT_SETTINGS_SCOPE", "test")
