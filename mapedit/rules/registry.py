"""The rules the checker runs, in the order their findings are stored.

A new rule is one module (a :class:`~mapedit.rules.protocol.Rule` subclass declaring its
``findings``) and one line here, or one :func:`register` call for a rule that lives outside
this package (a plug-in, a test).
"""

from __future__ import annotations

from mapedit.rules.attributes import DuplicateCodes, GridRules
from mapedit.rules.baselayers import BuildingCuts, VillagerGroupCuts
from mapedit.rules.findings import RULES
from mapedit.rules.households import HouseholdsMismatch
from mapedit.rules.protocol import Rule
from mapedit.rules.topology import TopologyRules
from mapedit.rules.units import UnitRules

RULE_CLASSES: list[type[Rule]] = [
    UnitRules,
    GridRules,
    DuplicateCodes,
    TopologyRules,
    BuildingCuts,
    VillagerGroupCuts,
    HouseholdsMismatch,
]


def register(cls: type[Rule]) -> type[Rule]:
    """Add a rule class (usable as a decorator): its findings join
    :data:`~mapedit.rules.findings.RULES` and every checker created afterwards runs it."""
    if not cls.name or any(c.name == cls.name for c in RULE_CLASSES if c is not cls):
        raise ValueError(f"rule name {cls.name!r} is empty or taken")
    for rule_id, spec in cls.findings.items():
        RULES.setdefault(rule_id, spec)
    if cls not in RULE_CLASSES:
        RULE_CLASSES.append(cls)
    return cls


def unregister(cls: type[Rule]) -> None:
    """Remove a rule class registered with :func:`register` (its finding ids stay known)."""
    if cls in RULE_CLASSES:
        RULE_CLASSES.remove(cls)


def rule_classes() -> list[type[Rule]]:
    """The registered rule classes, in order."""
    for cls in RULE_CLASSES:
        for rule_id, spec in cls.findings.items():
            RULES.setdefault(rule_id, spec)
    return list(RULE_CLASSES)
