"""The offer catalogue: priced offers (dry hosting, VMs, storage, backup tiers,
long-term archive, PRA) with their parameters' ranges."""
