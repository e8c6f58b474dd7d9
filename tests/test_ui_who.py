"""Every GUI path that writes the project names the clerk in the edit log (issue 11/13
follow-up).

Before: the add-layer dialog and the georeferencing window called ``Project.add_layer``
without ``who``, and the layer panel removed a layer through the stack (the project's
listener wrote it without ``who``), so the edit log said nobody added or removed the street's
base maps."""

from __future__ import annotations

import ast
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

import mapedit.ui
from mapedit.ui.commands import current_user

WRITES = {"add_layer", "write_layer", "remove_layer", "save_settings", "set_unit_locked",
          "accept_finding", "unaccept", "apply", "set_accepted", "add_vector_layer",
          "write_changes"}
"""Project (and store) methods that write to the project file and take ``who``."""


def _receiver(node: ast.AST) -> str:
    """The last name of a call's receiver: ``self.project.add_layer`` → ``project``."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def test_every_project_write_in_the_ui_passes_who():
    ui = Path(mapedit.ui.__file__).resolve().parent
    missing = []
    for f in sorted(ui.rglob("*.py")):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in WRITES:
                continue
            if _receiver(node.func.value) not in ("project", "store"):
                continue
            if not any(k.arg == "who" for k in node.keywords):
                missing.append(f"{f.relative_to(ui.parent.parent)}:{node.lineno} "
                               f"{node.func.attr}()")
    assert not missing, "writes without who=current_user():\n" + "\n".join(missing)


def test_removing_a_layer_in_the_panel_names_the_clerk(qtbot, main_window, tmp_path,
                                                      monkeypatch):
    from helpers_imagery import add_ortho_layer

    win = main_window
    project = win.controller.project
    layer = add_ortho_layer(project, tmp_path, who=current_user())
    panel = win.layers
    panel.list.setCurrentItem(panel.item_for(layer.id))
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert panel.remove_current()
    assert layer.id not in project.dataset.layers
    entry = project.store.edit_log(1)[0]
    assert entry["action"] == "layer_remove" and entry["code"] == layer.id
    assert entry["who"] == current_user() and entry["who"]


def test_a_refused_removal_leaves_the_layer_and_says_why(qtbot, main_window, tmp_path,
                                                       monkeypatch):
    """The store refuses (another program changed the file): the layer stays in the panel and
    in the file, and the clerk reads why (before, the stack lost it while the file kept it)."""
    from helpers_imagery import add_ortho_layer

    from mapedit.model.changes import edit_attributes
    from mapedit.project import Project

    win = main_window
    project = win.controller.project
    layer = add_ortho_layer(project, tmp_path, who=current_user())
    with Project.open(project.path) as other:  # a second window renames a grid
        g = next(iter(other.dataset.grids.values()))
        other.apply(edit_attributes(g, name="别处改的名字"), who="第二个窗口")
    panel = win.layers
    panel.list.setCurrentItem(panel.item_for(layer.id))
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: warned.append(text))
    assert not panel.remove_current()
    assert warned and "其他程序" in warned[0]
    assert layer.id in project.dataset.layers and panel.item_for(layer.id) is not None
