"""The ssi plane (not built yet)."""
