"""The network inventory: telecom providers, sites, devices (CE and PE routers), access
circuits and maintenance windows; created, listed, changed and removed."""
