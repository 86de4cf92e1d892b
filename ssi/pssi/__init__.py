"""PSSI drafts: the PGSSI-S skeleton filled with what Socle knows of an establishment."""
