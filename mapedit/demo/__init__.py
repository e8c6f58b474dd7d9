"""Deterministic synthetic demo street near Qingpu (no Qt)."""
