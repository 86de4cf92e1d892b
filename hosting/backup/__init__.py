"""Backups of hosted data with restic: policies from the subscription's backup tier,
one encrypted repository per copy on the placed providers (the immutable one under S3
Object Lock), a scheduler, backup / retention / restore-test jobs, RPO supervision.
"""
