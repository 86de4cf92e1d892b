"""Deployments: releases checked against the catalogue and the targets, rolled out by
Ansible in dependency order (rolling or canary, health-gated, rolled back on
failure), the instances they leave running, their health and drift."""
