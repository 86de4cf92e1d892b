"""Hosting plane."""
