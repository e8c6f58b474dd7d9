"""Qt layer: a thin view/controller over mapedit.project."""
