"""Pydantic shapes of the SLA API: contracts, the monthly report and its breaches."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from controlplane.schemas import Answer, StrictBody
from network.inventory.schemas import CircuitKey, ClassOfService, ProviderKey, SlaClass

Percent = Annotated[float, Field(ge=0, le=100)]
Millis = Annotated[float, Field(gt=0, le=10_000)]


class GroupBy(StrEnum):
    """How report lines are grouped."""

    CIRCUIT = "circuit"
    PROVIDER = "provider"
    DEPARTMENT = "department"


class Metric(StrEnum):
    """What a contract promises."""

    AVAILABILITY = "availability"
    LATENCY = "latency"
    JITTER = "jitter"
    LOSS = "loss"


class ContractCreate(StrictBody):
    """A provider's promise for one SLA class, measured per calendar month (Europe/Paris),
    and its availability penalty: ``penalty_pct_per_step`` % of the monthly fee per
    started ``penalty_step_pct`` point below target, capped at ``penalty_cap_pct`` %."""

    provider: str = Field(min_length=1, max_length=100)
    sla_class: SlaClass
    cos: ClassOfService | None = Field(
        None, description="Class of service the latency, jitter and loss targets are measured "
                          "in (EF, AF31, BE); none: each circuit's top class.")
    availability_pct: Annotated[float, Field(gt=0, le=100, examples=[99.9])]
    latency_p95_ms: Millis
    jitter_p95_ms: Millis
    loss_pct: Percent
    monthly_fee_cents: Annotated[int, Field(ge=0, le=100_000_000, description="Euro cents.")]
    penalty_step_pct: Annotated[float, Field(gt=0, le=100)] = 0.1
    penalty_pct_per_step: Percent = 5.0
    penalty_cap_pct: Percent = 30.0


class ContractRead(Answer):
    """An SLA contract."""

    id: int
    provider: ProviderKey
    sla_class: SlaClass
    cos: ClassOfService | None
    availability_pct: float
    latency_p95_ms: float
    jitter_p95_ms: float
    loss_pct: float
    monthly_fee_cents: int
    penalty_step_pct: float
    penalty_pct_per_step: float
    penalty_cap_pct: float
    created_at: datetime


class SlaLine(BaseModel):
    """The month's figures of one circuit, provider or department.

    ``unknown_minutes`` had no sample (never counted as up); ``measured_minutes`` =
    minutes − maintenance − unknown is the availability's denominator. Figures are None
    when nothing was measured. For a group, RTT and jitter are its worst circuit's p95.
    A circuit's RTT, jitter and loss are measured in class of service ``cos`` (the one its
    contract names, else its top class).
    """

    key: str
    circuits: int
    provider: str | None = None
    department: str | None = None
    tenant: str | None = None
    sla_class: SlaClass | None = None
    cos: ClassOfService | None = None
    minutes: int
    maintenance_minutes: int
    unknown_minutes: int
    unknown_pct: float | None
    measured_minutes: int
    down_minutes: int
    availability_pct: float | None
    rtt_p95_ms: float | None
    jitter_p95_ms: float | None
    loss_pct: float | None
    breaches: list[Metric] = Field(default_factory=list)
    breaching_circuits: int
    penalty_cents: int


class SlaReport(BaseModel):
    """The SLA of a month (Europe/Paris calendar month, bounds given in UTC)."""

    period: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    group_by: GroupBy
    lines: list[SlaLine]


class SlaBreach(BaseModel):
    """A contract target a circuit missed in a month."""

    period: str
    circuit: str
    provider: str
    department: str
    tenant: str
    metric: Metric
    target: float
    measured: float
    penalty_cents: int


class SlaEventRead(Answer):
    """A breach Socle recorded: the circuit fell under its contract's target for a
    metric in a month (once per circuit, month and metric)."""

    id: int
    period: str
    circuit: CircuitKey
    metric: Metric
    target: float
    measured: float
    detected_at: datetime
