"""``mapedit --self-test``: passes on a good copy, says FAILED (exit 1) on a broken one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mapedit import selftest


def test_self_test_subprocess_passes_and_names_the_versions(tmp_path: Path) -> None:
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)  # it must choose offscreen itself without a display
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    proc = subprocess.run([sys.executable, "-m", "mapedit", "--self-test"], capture_output=True,
                          env=env, cwd=tmp_path, timeout=300)
    out = proc.stdout.decode("utf-8")
    assert proc.returncode == 0, out + proc.stderr.decode("utf-8", "replace")
    lines = out.splitlines()
    for step in selftest.STEPS:
        line = next((x for x in lines if f"{step.zh} / {step.en}" in x), None)
        assert line is not None and line.startswith("OK"), (step.key, out)
    assert "FAILED" not in out
    for name in ("Qt:", "GEOS:", "PROJ:", "PROJ data:", "GDAL:", "font:"):
        assert any(x.strip().startswith(name) for x in lines), name
    if sys.platform.startswith("linux"):
        assert "platform offscreen" in out  # chosen by itself: no display here
    assert lines[-1].startswith("结果 / result: ") and "all passed" in lines[-1]
    assert not list(tmp_path.iterdir()), "nothing left behind in the working folder"


def _run_main(monkeypatch) -> tuple[int, list[str]]:
    lines: list[str] = []
    code = selftest.main(emit=lines.append)
    return code, lines


def _line(lines: list[str], key: str) -> str:
    step = next(s for s in selftest.STEPS if s.key == key)
    return next(x for x in lines if f"{step.zh} / {step.en}" in x)


def test_export_without_proj_data_fails_with_exit_1(qapp, monkeypatch) -> None:
    """What a frozen build without PROJ's data produces: projected metres instead of degrees
    (simulated). The export step must notice; the others still pass."""
    import mapedit.io.exchange as exchange

    real = exchange.write_exchange

    def broken(dataset, out_dir, *a, **k):
        written = real(dataset, out_dir, *a, **k)
        for name in ("units.geojson", "grids.geojson"):
            p = Path(out_dir) / name
            data = json.loads(p.read_text(encoding="utf-8"))
            for f in data["features"]:
                f["geometry"]["coordinates"] = [[[350000.0, 3450000.0]] * 4]
            p.write_text(json.dumps(data), encoding="utf-8")
        return written

    monkeypatch.setattr(exchange, "write_exchange", broken)
    code, lines = _run_main(monkeypatch)
    assert code == 1
    assert _line(lines, "export").startswith("FAILED") and "China" in _line(lines, "export")
    assert _line(lines, "draw").startswith("OK") and _line(lines, "render").startswith("OK")
    assert "some steps FAILED" in lines[-1]


def test_a_draw_tool_that_does_nothing_fails_draw_and_split(qapp, monkeypatch) -> None:
    """The draw step really goes through the tool: if finishing a sketch does nothing, draw
    fails, and split (which needs the drawn grid) fails too."""
    from mapedit.ui.tools.draw import DrawGridTool

    monkeypatch.setattr(DrawGridTool, "finish_sketch", lambda self, coords, unit: None)
    code, lines = _run_main(monkeypatch)
    assert code == 1
    assert _line(lines, "draw").startswith("FAILED")
    assert _line(lines, "split").startswith("FAILED")
    assert _line(lines, "export").startswith("OK")


def test_a_step_that_raises_is_a_failed_line_not_a_crash(qapp, monkeypatch) -> None:
    def boom(run):
        raise RuntimeError("kaputt")

    steps = [*selftest.STEPS[:2], selftest.Step("boom", "坏步骤", "broken step", boom)]
    lines: list[str] = []
    results = selftest.run_steps(lines.append, steps)
    assert [r.ok for r in results] == [True, True, False]
    assert "FAILED" in lines[-2] and "RuntimeError: kaputt" in lines[-2]


def test_adding_a_step_is_one_entry(qapp, monkeypatch) -> None:
    """A new step (as the sign-off sheet of the paper-trail issue was) is one more Step."""
    seen = []
    extra = selftest.Step("extra", "附加步骤", "an extra step",
                          lambda run: seen.append(run.project is not None) or "1 page")
    monkeypatch.setattr(selftest, "STEPS", [*selftest.STEPS, extra])
    code, lines = _run_main(monkeypatch)
    assert code == 0 and seen == [True]
    assert _line(lines, "extra").startswith("OK") and "1 page" in _line(lines, "extra")


def test_sheet_step_writes_a_searchable_pdf(qapp, monkeypatch) -> None:
    """The sign-off sheet step (issue 14, "writes a sheet"): it passes on a good copy, and a
    sheet whose text lost the grid codes (a font or text-map problem of a frozen build,
    simulated: the codes painted as pictures) fails it while the other steps pass."""
    assert [s.key for s in selftest.STEPS].index("sheet") > [s.key for s in
                                                            selftest.STEPS].index("check")
    code, lines = _run_main(monkeypatch)
    assert code == 0 and _line(lines, "sheet").startswith("OK")
    assert "searchable" in _line(lines, "sheet")

    import pypdf

    real = pypdf.PageObject.extract_text
    monkeypatch.setattr(pypdf.PageObject, "extract_text",
                        lambda self, *a, **k: "".join(c for c in real(self, *a, **k)
                                                      if not c.isdigit()))
    code, lines = _run_main(monkeypatch)
    assert code == 1
    assert _line(lines, "sheet").startswith("FAILED") and "codes" in _line(lines, "sheet")
    assert _line(lines, "export").startswith("OK") and _line(lines, "render").startswith("OK")


@pytest.mark.parametrize("platform,env,force,expected", [
    ("linux", {}, False, True),
    ("linux", {"DISPLAY": ":0"}, False, False),
    ("linux", {"WAYLAND_DISPLAY": "wayland-0"}, False, False),
    ("linux", {"DISPLAY": ":0"}, True, True),
    ("win32", {}, False, False),
    ("darwin", {}, False, False),
])
def test_offscreen_only_without_a_display_or_when_asked(monkeypatch, platform, env, force,
                                                        expected) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    for var in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(var, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert selftest.needs_offscreen(force) is expected


def test_self_test_dialog_shows_the_same_lines(qtbot, main_window) -> None:
    from mapedit.ui.selftest_dialog import SelfTestDialog

    assert main_window.support.act_self_test.isEnabled()
    dialog = SelfTestDialog(main_window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.run()
    text = dialog.output.toPlainText()
    for step in selftest.STEPS:
        assert f"OK      {step.zh} / {step.en}" in text
    assert main_window.project is not None and main_window.isVisible(), "the clerk's window stays"
