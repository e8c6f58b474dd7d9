"""The export's two files switch as one set, whatever moment the writer dies.

The writer (``helpers_set_writer.py``, which calls the exporter's ``write_file_set``) runs in a
subprocess that the hook ``MAPEDIT_TEST_EXIT_AT_STEP=N`` kills at its N-th checkpoint, for
every N until a run finishes, on each of the three switch paths: folder exchange (Linux,
macOS), two folder renames (what Windows does) and the in-folder switch (folders holding other
files). After each kill a reader must find the old pair or the new pair (the rename path may
leave the folder missing between its two renames, never a mixed pair; the in-folder path may
leave a file missing, never new beside old); the next run's recovery leaves exactly one
complete pair and no leftovers.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import mapedit.io.atomicfile as af

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from helpers_set_writer import content  # noqa: E402
from helpers_set_writer import main as write_in_process  # noqa: E402

PAIR = ("units.geojson", "grids.geojson")


def run_writer(out: Path, generation: str, mode: str, step: int | None) -> int:
    """Run the writer in a child process told to die at checkpoint ``step``; its exit status.
    A fork where the OS has one (a fresh interpreter per step would cost seconds)."""
    env = dict(os.environ)
    env.pop(af.EXIT_STEP_ENV, None)
    env.pop(af.SWITCH_ENV, None)
    if step is not None:
        env[af.EXIT_STEP_ENV] = str(step)
    if mode != "exchange":
        env[af.SWITCH_ENV] = mode
    if hasattr(os, "fork"):
        pid = os.fork()
        if pid == 0:  # the child: never return into pytest
            status = 1
            try:
                os.environ.clear()
                os.environ.update(env)
                af._steps = 0
                status = write_in_process(["", str(out), generation])
            finally:
                os._exit(status)
        _, code = os.waitpid(pid, 0)
        status = os.waitstatus_to_exitcode(code)
        assert status in (0, af.KILLED_STATUS), status
        return status
    proc = subprocess.run([sys.executable, str(HERE / "helpers_set_writer.py"), str(out),
                           generation], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode in (0, af.KILLED_STATUS), proc.stderr
    return proc.returncode


def state(out: Path) -> dict[str, str | None]:
    """Which generation each file holds (None: missing); a cut file fails the test."""
    found: dict[str, str | None] = {}
    for name in PAIR:
        try:
            text = (out / name).read_text(encoding="utf-8")
        except FileNotFoundError:
            found[name] = None
            continue
        gen = text.split(" ")[1]
        assert text == content(name, gen), f"{name} is incomplete"
        found[name] = gen
    return found


def ours(out: Path) -> list[str]:
    beside = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]
    inside = [p.name for p in out.iterdir() if p.name.startswith(".")] if out.is_dir() else []
    return beside + inside


@pytest.mark.parametrize("mode", ["exchange", "rename", "inplace"])
@pytest.mark.parametrize("first", [False, True], ids=["replace", "first-export"])
def test_kill_at_every_step(tmp_path: Path, monkeypatch, mode: str, first: bool) -> None:
    if mode != "exchange":
        monkeypatch.setenv(af.SWITCH_ENV, mode)
    steps_seen = 0
    for step in range(1, 60):
        case = tmp_path / f"step{step}"
        case.mkdir()
        out = case / "导出"
        if not first:
            write_in_process(["", str(out), "old"])
            if mode == "inplace":
                (out / "clerk.txt").write_text("mine", encoding="utf-8")
        status = run_writer(out, "new", mode, step)
        if status == 0:
            break
        steps_seen += 1
        gens = state(out) if out.is_dir() else {n: None for n in PAIR}
        values = set(gens.values())
        present = values - {None}
        assert len(present) <= 1, f"step {step}: mixed pair {gens}"
        if mode == "exchange" and not first:
            assert None not in values, f"step {step}: a file is missing {gens}"
        if mode == "rename" and not first and None in values:
            assert not out.exists(), f"step {step}: only the folder may be missing {gens}"
        # the next run cleans up and leaves one complete pair
        af.recover(out)
        after = state(out) if out.is_dir() else {n: None for n in PAIR}
        if first:
            assert after in ({n: None for n in PAIR}, {n: "new" for n in PAIR}), after
        else:
            assert after in ({n: "old" for n in PAIR}, {n: "new" for n in PAIR}), after
        assert ours(out) == [], f"step {step}: leftovers {ours(out)}"
        if mode == "inplace" and not first:
            assert (out / "clerk.txt").read_text(encoding="utf-8") == "mine"
        write_in_process(["", str(out), "next"])
        assert state(out) == {n: "next" for n in PAIR} and ours(out) == []
    else:
        pytest.fail("the writer never finished")
    assert steps_seen >= 6  # the hook really reached the writer's steps


def test_real_export_killed_after_commit_is_completed_by_next_export(tmp_path: Path) -> None:
    """The exporter itself (``mapedit export``) killed right after its commit point: the
    folder holds a complete pair, and the next export leaves no trace of the crash."""
    import json

    from mapedit.cli import main

    project = tmp_path / "p.gpkg"
    assert main(["new", str(project), "--units", str(HERE / "data" / "units.geojson"),
                 "--grids", str(HERE / "data" / "t_junction.geojson")]) in (0, 1)
    out = tmp_path / "out"
    env = dict(os.environ)
    env.pop(af.SWITCH_ENV, None)
    cmd = [sys.executable, "-m", "mapedit", "export", str(project), str(out)]
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=120)
    env[af.EXIT_STEP_ENV] = "5"  # 1 recover, 2-3 files, 4 marker, 5 journal (commit)
    proc = subprocess.run([*cmd, "--force"], env=env, capture_output=True, timeout=120)
    assert proc.returncode == af.KILLED_STATUS
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # mid-switch
    for name in PAIR:
        json.loads((out / name).read_text(encoding="utf-8"))
    env.pop(af.EXIT_STEP_ENV)
    subprocess.run([*cmd, "--force"], env=env, check=True, capture_output=True, timeout=120)
    assert ours(out) == [] and sorted(p.name for p in out.iterdir()) == sorted(PAIR)
