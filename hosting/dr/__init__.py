"""PRA (plan de reprise d'activité): a plan per backed-up subscription with its
secondary provider, and exercises that restore, start, probe and measure RTO/RPO."""
