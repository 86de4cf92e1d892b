"""Socle's test suite (unit and integration against real peers on loopback)."""
