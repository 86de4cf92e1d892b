"""Enrolments: an establishment subscribed to a regional service, with its settings;
and the workloads (who uses what where) they add up to."""
