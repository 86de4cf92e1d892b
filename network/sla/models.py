"""The SLA tables: contracts per provider and class, and one row per circuit per day.

A :class:`CircuitDay` holds a UTC day of one circuit as packed arrays (see
:mod:`network.sla.codec`): 1,440-minute ``up``, ``unknown`` and ``silent`` bitmaps, and per-minute
RTT, jitter (float32, NaN = no probe) and loss (uint16 hundredths of a percent, 65535 =
no probe) in the circuit's top class of service. Ten thousand circuits make ~310,000
rows a month instead of 432 million samples (DESIGN §4b). A :class:`ClassDay` holds the
same RTT, jitter and loss arrays for each other class the circuit's profile carries (a
contract may name one). Rows carry their circuit's tenant, so an establishment's session
only reads its own circuits' days.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controlplane.db import Base, TenantScoped, UTCDateTime, utcnow
from network.inventory.models import Circuit, Provider


class SlaContract(Base):
    """What a provider promises for one SLA class, measured per calendar month
    (Europe/Paris), and what it pays back when it misses the availability target:
    ``penalty_pct_per_step`` % of the circuit's monthly fee per started
    ``penalty_step_pct`` point below target, at most ``penalty_cap_pct`` %. Its latency,
    jitter and loss targets are measured in class of service ``cos`` (NULL: each
    circuit's top class)."""

    __tablename__ = "network_sla_contracts"
    __kind__: ClassVar[str] = "sla-contract"
    __key__: ClassVar[str] = "id"
    __table_args__ = (
        UniqueConstraint("provider_id", "sla_class"),
        CheckConstraint(
            "availability_pct > 0 AND availability_pct <= 100", name="availability_range"
        ),
        CheckConstraint("penalty_step_pct > 0", name="penalty_step_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("network_providers.id"), index=True)
    sla_class: Mapped[str] = mapped_column(String(16))
    cos: Mapped[str | None] = mapped_column(String(8))
    availability_pct: Mapped[float] = mapped_column(Float)
    latency_p95_ms: Mapped[float] = mapped_column(Float)
    jitter_p95_ms: Mapped[float] = mapped_column(Float)
    loss_pct: Mapped[float] = mapped_column(Float)
    monthly_fee_cents: Mapped[int] = mapped_column(Integer)
    penalty_step_pct: Mapped[float] = mapped_column(Float)
    penalty_pct_per_step: Mapped[float] = mapped_column(Float)
    penalty_cap_pct: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    provider: Mapped[Provider] = relationship(lazy="joined")


class CircuitDay(TenantScoped, Base):
    """One UTC day of one circuit's measurements, as packed per-minute arrays."""

    __tablename__ = "network_sla_circuit_days"

    circuit_id: Mapped[int] = mapped_column(ForeignKey("network_circuits.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    up: Mapped[bytes] = mapped_column(LargeBinary)
    unknown: Mapped[bytes] = mapped_column(LargeBinary)
    rtt_ms: Mapped[bytes] = mapped_column(LargeBinary)
    jitter_ms: Mapped[bytes] = mapped_column(LargeBinary)
    loss: Mapped[bytes] = mapped_column(LargeBinary)
    silent: Mapped[bytes | None] = mapped_column(LargeBinary)  # NULL: no minute silent
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ClassDay(TenantScoped, Base):
    """One UTC day of one circuit's probe figures in a class of service other than its
    top class (that one is in its :class:`CircuitDay`): packed per-minute RTT, jitter and
    loss, as in the day row."""

    __tablename__ = "network_sla_class_days"

    circuit_id: Mapped[int] = mapped_column(ForeignKey("network_circuits.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    cos: Mapped[str] = mapped_column(String(8), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    rtt_ms: Mapped[bytes] = mapped_column(LargeBinary)
    jitter_ms: Mapped[bytes] = mapped_column(LargeBinary)
    loss: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SlaEvent(TenantScoped, Base):
    """A breach Socle detected: a circuit under its contract's target for one metric in
    one month (Europe/Paris). Recorded once per circuit, month and metric, however often
    detection runs; ``measured`` is what was measured when first detected."""

    __tablename__ = "network_sla_events"
    __kind__: ClassVar[str] = "sla-event"
    __key__: ClassVar[str] = "id"
    __table_args__ = (
        UniqueConstraint("circuit_id", "period", "metric"),
        Index("ix_network_sla_events_period_circuit", "period", "circuit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    circuit_id: Mapped[int] = mapped_column(ForeignKey("network_circuits.id"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    period: Mapped[str] = mapped_column(String(7))
    metric: Mapped[str] = mapped_column(String(16))
    target: Mapped[float] = mapped_column(Float)
    measured: Mapped[float] = mapped_column(Float)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    circuit: Mapped[Circuit] = relationship(lazy="joined")
