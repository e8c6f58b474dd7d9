"""Translations, settings, fonts and undo commands of the GUI."""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers_window import show_window
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QLabel

from mapedit.errors import EditRefused
from mapedit.model.changes import ChangeSet, GridChange
from mapedit.model.hierarchy import MicroGrid
from mapedit.ui import fonts, i18n
from mapedit.ui.commands import ChangeSetCommand, LockUnitCommand
from mapedit.ui.settings_store import MAX_RECENT, SettingsStore, data_dir

UI = Path(i18n.__file__).resolve().parent


CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
TR_CALLS = {"tr": 0, "N_": 0, "translate": 1}
"""Calls whose argument (at that position) is a source text: ``self.tr``/``tr``, the ``N_``
marker and ``QCoreApplication.translate(context, text)``."""


def _ui_files() -> list[Path]:
    """Every module of ``mapedit/ui`` (tools, panels, canvas included)."""
    return sorted(UI.rglob("*.py"))


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        for st in body if isinstance(body, list) else []:
            if isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant) \
                    and isinstance(st.value.value, str):
                out.add(id(st.value))
    return out


def _scan() -> tuple[set[str], list[str]]:
    """(source texts passed to tr/N_/translate, CJK literals outside them). A literal on a
    line marked ``# i18n: ok`` is deliberate (data values, a bilingual fallback)."""
    sources: set[str] = set()
    stray: list[str] = []
    for f in _ui_files():
        text = f.read_text(encoding="utf-8")
        lines = text.splitlines()
        tree = ast.parse(text)
        inside: set[int] = set()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            pos = TR_CALLS.get(name or "")
            if pos is None or len(node.args) <= pos:
                continue
            arg = node.args[pos]
            inside.update(id(n) for n in ast.walk(arg))
            where = f"{f.relative_to(UI.parent.parent)}:{node.lineno}"
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                sources.add(arg.value)
            elif name != "translate" or isinstance(arg, ast.JoinedStr):
                if not (isinstance(arg, ast.Name | ast.Attribute | ast.Subscript)):
                    stray.append(f"{where}: {name}() of a computed text cannot be translated")
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and CJK.search(node.value) and id(node) not in inside \
                    and id(node) not in docs and "# i18n: ok" not in lines[node.lineno - 1]:
                stray.append(f"{f.relative_to(UI.parent.parent)}:{node.lineno}: "
                             f"{node.value[:40]!r}")
    return sources, stray


def _tr_sources() -> set[str]:
    return _scan()[0]


def test_every_ui_literal_goes_through_tr():
    """One mechanism: Chinese text in mapedit/ui is a tr()/N_() source, nowhere else (the
    tools' status messages included)."""
    sources, stray = _scan()
    assert len(sources) > 250
    assert not stray, "\n".join(["not translatable:", *stray])


def test_every_ui_string_has_an_english_translation():
    root = ET.parse(i18n.ts_path("en")).getroot()
    assert root.get("sourcelanguage") == "zh_CN" and root.get("language") == "en"
    done = {m.findtext("source") for m in root.iter("message")
            if m.find("translation") is not None
            and m.find("translation").get("type") is None and m.find("translation").text}
    missing = sorted(_tr_sources() - done)
    assert not missing, f"untranslated (run pyside6-lupdate, then translate): {missing}"


def test_english_mode_shows_no_chinese_interface_text(qtbot, qapp, demo_project):
    """In English the window, the map and the tools speak English: layer names, legend,
    scale bar, 待划分, hints, findings (data such as unit names stays as written)."""

    try:
        i18n.install("en", qapp)
        w = show_window(qtbot, demo_project, size=(1400, 900))
        layer_names = [w.layers.list.item(i).text() for i in range(w.layers.list.count())]
        assert "Roads" in layer_names and "Micro-grids" in layer_names
        assert not [t for t in layer_names if CJK.search(t)], layer_names
        legend = [lbl.text() for lbl in w.legend.findChildren(QLabel) if lbl.text()]
        assert not [t for t in legend if CJK.search(t)], legend
        assert not CJK.search(w.edit_tools.hint_label.text())
        w.edit_tools.activate(w.edit_tools.draw)
        assert not CJK.search(w.edit_tools.hint_label.text())
        texts = [i.text(0) for i in w.findings.finding_items()]
        # the messages are English; names inside them are data and stay as written
        assert texts and all(t[:1].isascii() for t in texts), texts
        from mapedit.ui.canvas import style as S

        assert i18n.tr(S.PENDING_LABEL) == "To divide"
        assert i18n.tr("{0:g} 千米").format(1) == "1 km"
        assert not CJK.search(w.summary_button.text())
    finally:
        i18n.install("zh_CN", qapp)


def test_ts_translator_answers_qt_lookups(qapp):
    t = i18n.TsTranslator()
    assert t.load_ts(i18n.ts_path("en"))
    assert not t.isEmpty() and len(t) > 50
    assert t.translate("MainWindow", "打开…") == "Open…"
    assert t.translate("SomeSubclass", "打开…") == "Open…"  # falls back to source only
    assert t.translate("MainWindow", "not in the file") is None
    try:
        assert i18n.install("en", qapp) == "en"
        assert QCoreApplication.translate("MainWindow", "导出 GeoJSON…") == "Export GeoJSON…"
        assert i18n.pick("中文", "English") == "English"
    finally:
        assert i18n.install("zh_CN", qapp) == "zh_CN"
    assert QCoreApplication.translate("MainWindow", "导出 GeoJSON…") == "导出 GeoJSON…"
    assert i18n.pick("中文", "English") == "中文"


def test_unfinished_messages_fall_back_to_chinese(tmp_path):
    ts = tmp_path / "x.ts"
    ts.write_text('<?xml version="1.0" encoding="utf-8"?><TS version="2.1" language="en">'
                  "<context><name>C</name>"
                  "<message><source>好</source><translation>Good</translation></message>"
                  '<message><source>坏</source><translation type="unfinished">Bad'
                  "</translation></message></context></TS>", encoding="utf-8")
    t = i18n.TsTranslator()
    assert t.load_ts(ts)
    assert t.translate("C", "好") == "Good"
    assert t.translate("C", "坏") is None
    assert not i18n.TsTranslator().load_ts(tmp_path / "missing.ts")


def test_english_main_window(qtbot, qapp):
    from mapedit.ui.main_window import MainWindow

    try:
        i18n.install("en", qapp)
        w = MainWindow(None, SettingsStore())
        qtbot.addWidget(w)
        titles = [a.text() for a in w.menuBar().actions()]
        assert titles[0] == "&File" and "&Help" in titles
        assert w.act_export.text() == "Export…"
    finally:
        i18n.install("zh_CN", qapp)


def test_settings_store_is_private_in_tests(tmp_path):
    s = SettingsStore()
    assert "mapedit-settings-" in s.q.fileName()  # never the clerk's registry/ini
    assert "mapedit-settings-" in str(data_dir())
    assert s.language() in ("zh_CN", "en")
    s.set_language("en")
    assert SettingsStore().language() == "en"
    s.set_language("zh_CN")
    with pytest.raises(ValueError):
        s.set_language("fr")
    files = []
    for i in range(MAX_RECENT + 3):
        p = tmp_path / f"p{i}.gpkg"
        p.write_text("")
        files = s.add_recent_file(p)
    assert len(files) == MAX_RECENT and files[0].endswith(f"p{MAX_RECENT + 2}.gpkg")
    s.add_recent_file(tmp_path / "p5.gpkg")
    assert SettingsStore().recent_files()[0].endswith("p5.gpkg")
    assert len(set(SettingsStore().recent_files())) == MAX_RECENT


@pytest.mark.parametrize("platform,available,expected", [
    ("win32", ["Arial", "Microsoft YaHei", "Microsoft YaHei UI"], "Microsoft YaHei UI"),
    ("win32", ["Arial", "Microsoft YaHei"], "Microsoft YaHei"),
    ("linux", ["DejaVu Sans", "Noto Sans CJK SC"], "Noto Sans CJK SC"),
    ("linux", ["DejaVu Sans", "WenQuanYi Micro Hei"], "WenQuanYi Micro Hei"),
    ("linux", ["DejaVu Sans"], None),
])
def test_cjk_font_choice(platform, available, expected):
    assert fonts.choose_cjk_family(platform, available) == expected


def test_apply_font_never_fails(qapp):
    before = qapp.font()
    family = fonts.apply_cjk_font(qapp)
    assert family is None or family in qapp.font().families()
    qapp.setFont(before)


class FakeProject:
    """Just enough of Project for the commands: records what was applied."""

    def __init__(self, refuse: bool = False) -> None:
        self.applied: list[ChangeSet] = []
        self.locked: dict[str, bool] = {}
        self.refuse = refuse

    def apply(self, cs, who="", allow_invalid=False):
        if self.refuse:
            raise EditRefused("已锁定", "locked")
        for ch in cs.changes:  # mimic the store filling fids of inserts
            if ch.after is not None and ch.after.fid is None:
                ch.after.fid = 99
        self.applied.append(cs)
        return cs

    def set_unit_locked(self, code, locked, who=""):
        self.locked[code] = locked


def test_changeset_command_redo_undo_redo(qapp):
    p = FakeProject()
    stack = QUndoStack()
    g = MicroGrid("310118001001001", "一号", "小区", None, "310118001001")
    cs = ChangeSet("新增微网格", "add grid", [GridChange(None, g)])
    stack.push(ChangeSetCommand(p, cs))
    assert stack.count() == 1 and stack.undoText() == "新增微网格"
    assert p.applied[0].changes[0].after.fid == 99
    stack.undo()
    assert p.applied[1].changes[0].before.fid == 99 and p.applied[1].changes[0].after is None
    stack.redo()
    assert p.applied[2].changes[0].after.fid == 99  # the same fid comes back


def test_refused_command_is_not_recorded(qapp):
    stack = QUndoStack()
    cmd = ChangeSetCommand(FakeProject(refuse=True), ChangeSet("x", "x", [
        GridChange(None, MicroGrid("1", "a", "小区"))]))
    stack.push(cmd)
    assert stack.count() == 0
    assert isinstance(cmd.error, EditRefused)


def test_lock_command(qapp):
    p = FakeProject()
    stack = QUndoStack()
    stack.push(LockUnitCommand(p, "U1", True, "阳光小区"))
    assert p.locked == {"U1": True} and "锁定" in stack.undoText()
    stack.undo()
    assert p.locked == {"U1": False}
