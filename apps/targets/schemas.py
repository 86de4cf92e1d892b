"""Pydantic shapes of targets: how Ansible reaches a host, and its ports.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, Field, field_validator

from apps.catalogue.schemas import _NAME
from apps.secrets import SECRETS
from controlplane.schemas import Answer, PartialUpdate, StrictBody


class Connection(StrEnum):
    """How Ansible reaches a target."""

    LOCAL = "local"
    SSH = "ssh"


def _check_ports(value: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    for service, ports in value.items():
        for name, port in ports.items():
            if not 1 <= int(port) <= 65535:
                raise ValueError(f"{service}.{name}: a port is 1..65535")
    return value


class _TargetFields(BaseModel):
    """Rules shared by a target's creation and its changes."""

    @field_validator("prefix", "python", check_fields=False)
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("/"):
            raise ValueError("an absolute path")
        return value

    @field_validator("ports", check_fields=False)
    @classmethod
    def _ports(cls, value: dict[str, dict[str, int]] | None) -> dict[str, dict[str, int]] | None:
        return value if value is None else _check_ports(value)

    @field_validator("ssh_host_key", check_fields=False)
    @classmethod
    def _host_key(cls, value: str | None) -> str | None:
        return _check_host_key(value)


_HOST_KEY = re.compile(r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+=*$")


def _check_host_key(value: str | None) -> str | None:
    if value is not None and not _HOST_KEY.match(value):
        raise ValueError("a public host key: 'ssh-ed25519 AAAA...' (type and base64, as in "
                         "the server's /etc/ssh/ssh_host_*_key.pub, without the comment)")
    return value


_ADDRESS = Field(default=None, min_length=1, max_length=255, examples=["10.20.0.11"])
_SITE = Field(default=None, max_length=64, description="Network site code; its access (THD or "
              "MPLS) decides which services may run there.")


class TargetCreate(_TargetFields, StrictBody):
    """A host to deploy to: given by its address, or a hosting-plane VM (its instance id;
    the address then defaults to the VM's private address)."""

    name: str = Field(description="Inventory host name.", examples=["app-lyon-1"])
    address: str | None = _ADDRESS
    hosting_instance: str | None = Field(
        default=None, max_length=64, description="Instance id of a hosting-plane VM.",
        examples=["i-0a1b2c3d4e5f"],
    )
    connection: Connection = Connection.SSH
    ssh_port: int = Field(default=22, ge=1, le=65535)
    ssh_user: str | None = Field(default=None, max_length=64)
    ssh_key_ref: SECRETS.reference | None = Field(
        default=None, description=f"Where the SSH private key is: {SECRETS.form}; never the key.",
    )
    ssh_host_key: str | None = Field(
        default=None, max_length=2000,
        description="The server's public host key, pinned (e.g. 'ssh-ed25519 AAAA...').",
    )
    prefix: str = Field(default="/srv/socle", max_length=255,
                        description="Where services are installed.")
    python: str = Field(default="/usr/bin/python3", max_length=255)
    ports: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="Per-service port overrides."
    )
    site: str | None = _SITE

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("lowercase letters, digits and dashes (a host name)")
        return value


class TargetUpdate(_TargetFields, PartialUpdate):
    """Changes to a target (its name, the inventory host name, never changes)."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset(
        {"ssh_user", "ssh_key_ref", "ssh_host_key", "site"})

    address: str | None = _ADDRESS
    connection: Connection | None = None
    ssh_port: int | None = Field(default=None, ge=1, le=65535)
    ssh_user: str | None = Field(default=None, max_length=64)
    ssh_key_ref: SECRETS.reference | None = Field(
        default=None, description=f"Where the SSH private key is: {SECRETS.form}; never the key.",
    )
    ssh_host_key: str | None = Field(
        default=None, max_length=2000,
        description="The server's public host key, pinned (e.g. 'ssh-ed25519 AAAA...').",
    )
    prefix: str | None = Field(default=None, max_length=255)
    python: str | None = Field(default=None, max_length=255)
    ports: dict[str, dict[str, int]] | None = None
    site: str | None = _SITE


class TargetRead(Answer):
    """A target; ``network_access`` is its site's (None without a site, or when the site
    is another establishment's)."""

    id: int
    name: str
    address: str
    connection: str
    ssh_port: int
    ssh_user: str | None
    ssh_key_ref: str | None
    ssh_host_key: str | None
    prefix: str
    python: str
    ports: dict[str, dict[str, int]]
    site: str | None
    network_access: str | None = None
    hosting_instance: str | None
    created_at: datetime
    updated_at: datetime
