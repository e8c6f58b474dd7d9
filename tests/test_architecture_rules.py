"""The architecture's promises, checked on the source (issue 10, "Done when": no
``BASE_LAYER_KINDS``-style closed list, no SQL outside ``io/``, one push path).

These read the code, not its behaviour: a new module that runs SQL in the CLI, a panel that
calls ``project.apply`` itself, or a fresh list of "the six base layers" fails here before it
splits the program into two ways of doing one thing."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import mapedit
from mapedit.model.layers import ROLES

ROOT = Path(mapedit.__file__).parent


def _modules(under: Path = ROOT):
    for path in sorted(under.rglob("*.py")):
        yield path, path.relative_to(ROOT.parent).as_posix()


SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|"
                 r"CREATE\s+TABLE|DROP\s+TABLE|PRAGMA\s)", re.IGNORECASE)


def test_no_sql_outside_io():
    offenders = []
    for path, rel in _modules():
        if rel.startswith("mapedit/io/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", "") or ""]
                if any(n.split(".")[0] == "sqlite3" for n in names):
                    offenders.append(f"{rel}:{node.lineno} imports sqlite3")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("execute", "executemany", "executescript"):
                offenders.append(f"{rel}:{node.lineno} .{node.func.attr}()")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and SQL.search(node.value):
                offenders.append(f"{rel}:{node.lineno} SQL text")
    assert not offenders, offenders


MUTATIONS = {"apply", "apply_remote", "set_unit_locked", "accept_finding", "unaccept",
             "save_settings", "apply_table"}
"""Project calls that change grids, locks, exceptions or settings: in the GUI only the undo
commands make them (``ui/commands.py``), pushed by the controller's one push path."""


def test_one_push_path_in_the_gui():
    offenders = []
    for path, rel in _modules(ROOT / "ui"):
        if rel in ("mapedit/ui/commands.py",):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in MUTATIONS:
                continue
            owner = node.func.value
            # controller.set_unit_locked / controller.accept_finding push commands: allowed
            text = ast.unparse(owner)
            if "controller" in text or text in ("self", "ctl", "c"):
                continue
            offenders.append(f"{rel}:{node.lineno} {text}.{node.func.attr}()")
    assert not offenders, offenders


BASE_ROLES = {r for r in ROLES if r != "other"}
CLOSED_LIST_EXEMPT: set[str] = set()


def test_no_closed_list_of_base_layers():
    """A literal naming every base role (what ``BASE_LAYER_KINDS`` was) outside the layer
    model: code that should read ``ROLES`` or the stack. Picking some roles (what the
    drawing tools snap to, what a sheet prints) is a choice, and a dict of data per role
    (the import's name guesses) is data, not a closed list."""
    offenders = []
    for path, rel in _modules():
        if rel == "mapedit/model/layers.py" or rel in CLOSED_LIST_EXEMPT:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Tuple | ast.List | ast.Set):
                values = {e.value for e in node.elts
                          if isinstance(e, ast.Constant) and isinstance(e.value, str)}
            else:  # a dict keyed by role holds data per role (words, styles): not a list
                continue
            if BASE_ROLES <= values:
                offenders.append(f"{rel}:{node.lineno}")
    assert not offenders, offenders
