"""The apps plane (not built yet)."""
