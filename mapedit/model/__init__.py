"""Domain model: hierarchy, catalogue, codes, tolerances and geometry operations (no Qt)."""
