"""Deterministic synthetic demo street near Qingpu (no Qt)."""

from mapedit.demo.generator import DEFECTS, Defect, generate, generate_with_defects

__all__ = ["DEFECTS", "Defect", "generate", "generate_with_defects"]
