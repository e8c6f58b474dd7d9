"""Bundled data files (catalogue, translations, icons); installed as ``mapedit.resources``."""
