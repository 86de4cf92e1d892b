"""Thin adapters between the network plane and the outside world (SNMP, SSH...).

Drivers take plain values, return typed results and hold no domain logic nor database
access; the plane's reconcile, flows and scheduled work call them.
"""
