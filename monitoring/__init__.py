"""The monitoring plane (not built yet)."""
