"""Routers' configuration: the intended configuration rendered from the inventory,
plans (diff against the running configuration) and applies through the reconcile
framework, running-configuration backups and drift, MPLS→THD migrations."""
