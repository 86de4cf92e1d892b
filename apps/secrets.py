"""The apps plane's secrets: the SSH keys of targets and the services' declared secrets
(an LDAP admin password...) resolve only in its namespace, :data:`SECRETS`:
``env:SOCLE_SECRET_APPS_*`` or a 0600 file of ``SOCLE_DATA_DIR/secrets/apps/`` (see
:mod:`controlplane.secrets`)."""

from __future__ import annotations

from controlplane.secrets import SecretError, SecretNamespace

SECRETS = SecretNamespace("apps")

__all__ = ["SECRETS", "SecretError"]
