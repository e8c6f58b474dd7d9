"""Reading and writing: CRS, GeoPackage project store, GeoJSON exchange (no Qt)."""
