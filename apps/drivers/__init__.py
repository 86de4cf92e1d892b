"""Thin adapters the apps plane drives the real world through (ansible-runner)."""
