"""The targets table: the hosts services are deployed to (regional: no tenant).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from controlplane.db import Base, JSONType, UTCDateTime, utcnow


class AppTarget(Base):
    """A host the services are deployed to, and how Ansible reaches it.

    ``connection`` is ``local`` (the control plane's own host, under ``prefix``) or
    ``ssh`` (``address``:``ssh_port`` as ``ssh_user``, with the private key that
    ``ssh_key_ref`` names, checking the server against ``ssh_host_key`` when it is
    pinned). ``ports`` overrides the
    catalogue's ports per service (``{"identity": {"http": 8443}}``), so several
    targets may share one machine. Other planes' objects are referred to by key:
    ``site`` is the network site code it stands at (the site's access, THD or MPLS,
    decides which services may run there), ``hosting_instance`` the hosting plane's
    virtual machine it is, when it is one (its address came from there).
    """

    __tablename__ = "apps_targets"
    __kind__: ClassVar[str] = "target"
    __key__: ClassVar[str] = "name"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    address: Mapped[str] = mapped_column(String(255))
    connection: Mapped[str] = mapped_column(String(8), default="ssh")
    ssh_port: Mapped[int] = mapped_column(Integer, default=22)
    ssh_user: Mapped[str | None] = mapped_column(String(64))
    ssh_key_ref: Mapped[str | None] = mapped_column(String(200))
    ssh_host_key: Mapped[str | None] = mapped_column(Text)
    prefix: Mapped[str] = mapped_column(String(255))
    python: Mapped[str] = mapped_column(String(255), default="/usr/bin/python3")
    ports: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    site: Mapped[str | None] = mapped_column(String(64), index=True)
    hosting_instance: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
