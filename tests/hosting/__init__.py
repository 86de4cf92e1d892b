"""Hosting plane tests."""
