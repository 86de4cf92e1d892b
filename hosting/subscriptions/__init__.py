"""Requests and subscriptions: an establishment asks, an operator approves (placement
on the providers, quota check, a provisioning job) or rejects; per-tenant quotas."""
