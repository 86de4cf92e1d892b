"""Per-minute observations into day rows: idempotent merge, down wins within a minute,
missing minutes stay unknown, concurrent writers, poll results, retention."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from controlplane.db import Database, Scope
from controlplane.errors import InvalidInput
from network.drivers.snmp_types import (
    DeviceSample,
    InterfaceSample,
    Skipped,
    Unreachable,
    UnreachableReason,
)
from network.sla.codec import LOSS_UNKNOWN, DayArrays, unpack_days
from network.sla.ingest import Observation, from_poll, ingest, purge, state_now
from network.sla.models import CircuitDay
from tests.conftest import TenantFactory
from tests.network.factories import NetworkFactory, race

NOON = datetime(2026, 12, 3, 12, tzinfo=UTC)


@pytest.fixture
def circuit_id(database: Database, make_tenant: TenantFactory) -> int:
    return NetworkFactory(database).circuit(make_tenant()).id


def _day(database: Database, circuit_id: int, day: date = NOON.date()) -> DayArrays:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        row = db.get(CircuitDay, (circuit_id, day))
        assert row is not None
        return DayArrays.unpack(row.up, row.unknown, row.rtt_ms, row.jitter_ms, row.loss)


def _ingest(database: Database, observations: list[Observation]) -> int:
    with database.transaction(scope=Scope.unrestricted()) as db:
        return ingest(db, observations)


def test_a_batch_merges_idempotently_and_a_down_minute_stays_down(
    database: Database, circuit_id: int
) -> None:
    minute = NOON.hour * 60  # 720
    batch = [Observation(circuit_id, NOON, up=True, rtt_ms=12.5, loss_pct=1.25),
             Observation(circuit_id, NOON + timedelta(seconds=30), up=False),
             Observation(circuit_id, NOON + timedelta(minutes=1), up=True, jitter_ms=0.75)]
    assert _ingest(database, batch) == 1
    first = _day(database, circuit_id)
    assert _ingest(database, batch) == 1  # again: nothing changes
    again = _day(database, circuit_id)
    for name in ("up", "unknown", "rtt_ms", "jitter_ms", "loss"):
        np.testing.assert_array_equal(getattr(first, name), getattr(again, name))
    # minute 720: up then down in the same minute → down; 721 up; the rest unknown.
    assert (first.up[minute], first.up[minute + 1]) == (False, True)
    assert first.unknown.sum() == 1438 and not first.unknown[minute:minute + 2].any()
    assert first.rtt_ms[minute] == np.float32(12.5) and np.isnan(first.rtt_ms[minute + 1])
    assert first.loss[minute] == 125 and first.loss[minute + 1] == LOSS_UNKNOWN
    assert first.jitter_ms[minute + 1] == np.float32(0.75)
    # a later "up" poll of minute 721 after a "down" one leaves it down
    _ingest(database, [Observation(circuit_id, NOON + timedelta(minutes=1, seconds=40), up=False)])
    _ingest(database, [Observation(circuit_id, NOON + timedelta(minutes=1, seconds=50), up=True)])
    assert not _day(database, circuit_id).up[minute + 1]


def test_observations_across_midnight_write_two_days(database: Database, circuit_id: int) -> None:
    midnight = datetime(2026, 12, 4, tzinfo=UTC)
    assert _ingest(database, [Observation(circuit_id, midnight - timedelta(minutes=1), up=True),
                              Observation(circuit_id, midnight, up=True)]) == 2
    assert _day(database, circuit_id, date(2026, 12, 3)).up[1439]
    assert _day(database, circuit_id, date(2026, 12, 4)).up[0]


def test_concurrent_writers_of_one_day_all_land(database: Database, circuit_id: int) -> None:
    def work(i: int) -> int:
        return _ingest(database, [Observation(circuit_id, NOON + timedelta(minutes=i), up=True)])

    assert race(4, work) == [1, 1, 1, 1]
    day = _day(database, circuit_id)
    assert day.up[720:724].all() and day.unknown.sum() == 1436


@pytest.mark.parametrize(("observation", "field"), [
    (Observation(10**9, NOON, up=True), "circuit_id"),
    (Observation(0, datetime(2026, 12, 3, 12), up=True), "at"),
    (Observation(0, NOON, loss_pct=101), "loss_pct"),
    (Observation(0, NOON, rtt_ms=-1), "rtt_ms"),
])
def test_bad_observations_name_the_field(
    database: Database, circuit_id: int, observation: Observation, field: str
) -> None:
    if observation.circuit_id == 0:
        observation = Observation(circuit_id, observation.at, observation.up, observation.rtt_ms,
                                  observation.jitter_ms, observation.loss_pct)
    with pytest.raises(InvalidInput) as caught:
        _ingest(database, [observation])
    assert caught.value.errors[0].field == field


def _sample(status: int | None) -> DeviceSample:
    interfaces = () if status is None else (InterfaceSample(if_index=3, oper_status=status),)
    return DeviceSample("ce-1", NOON.timestamp(), 100, interfaces)


@pytest.mark.parametrize(("result", "healthy", "up", "silent"), [
    (_sample(1), True, True, False),
    (_sample(2), True, False, False),
    (_sample(7), True, False, False),  # lowerLayerDown
    (_sample(5), True, None, False),  # dormant: not a verdict
    (_sample(None), True, None, False),  # the interface is missing from the answer
    # no answer while others answered: silent (down unless a probe answers)
    (Unreachable("ce-1", NOON.timestamp(), UnreachableReason.TIMEOUT), True, None, True),
    # no answer from anyone: the poller's own network is suspect, nothing is concluded
    (Unreachable("ce-1", NOON.timestamp(), UnreachableReason.TIMEOUT), False, None, False),
    # it answered, unusably: it is there, its interface unseen
    (Unreachable("ce-1", NOON.timestamp(), UnreachableReason.AUTH), True, None, False),
    (Unreachable("ce-1", NOON.timestamp(), UnreachableReason.MALFORMED), True, None, False),
])
def test_poll_results_become_observations(result: DeviceSample | Unreachable, healthy: bool,
                                          up: bool | None, silent: bool) -> None:
    observation = from_poll(42, result, if_index=3, healthy=healthy)
    assert observation is not None
    assert (observation.circuit_id, observation.at, observation.up, observation.silent) == \
        (42, NOON, up, silent)
    assert from_poll(42, Skipped("ce-1", NOON.timestamp()), if_index=3, healthy=True) is None


def test_retention_deletes_old_days(database: Database, circuit_id: int) -> None:
    # days 1..10 December; keep 5 days before 11 December → 6..10 stay.
    _ingest(database, [Observation(circuit_id, datetime(2026, 12, d, tzinfo=UTC), up=True)
                       for d in range(1, 11)])
    with database.transaction(scope=Scope.unrestricted()) as db:
        assert purge(db, keep_days=5, today=date(2026, 12, 11)) == 5
        assert db.scalar(select(func.min(CircuitDay.day))) == date(2026, 12, 6)
        assert db.scalar(select(func.count()).select_from(CircuitDay)) == 5
        with pytest.raises(InvalidInput):
            purge(db, keep_days=0)


def test_silence_on_a_healthy_collector_is_down_and_a_sign_of_life_is_up(
    database: Database, circuit_id: int
) -> None:
    at = [NOON + timedelta(minutes=m) for m in range(5)]
    _ingest(database, [
        Observation(circuit_id, at[0], silent=True),  # poll timed out, probes lost: dead
        Observation(circuit_id, at[1], silent=True),  # poll silent, but a probe answered
        Observation(circuit_id, at[1] + timedelta(seconds=20), up=True, rtt_ms=11.0),
        Observation(circuit_id, at[2], up=False),  # interface down, yet a probe answered
        Observation(circuit_id, at[2] + timedelta(seconds=20), up=True, rtt_ms=11.0),
        # at[3]: the device refused Socle's SNMPv3 keys and no probe ran: not written
        Observation(circuit_id, at[4], up=True),
    ])
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        rows = db.execute(select(CircuitDay.circuit_id, CircuitDay.day, CircuitDay.up,
                                 CircuitDay.unknown, CircuitDay.rtt_ms, CircuitDay.jitter_ms,
                                 CircuitDay.loss, CircuitDay.silent)).all()
    matrix = unpack_days(rows, [circuit_id], [NOON.date()])
    first = NOON.hour * 60
    minutes = slice(first, first + 5)
    assert matrix.up[0, minutes].tolist() == [False, True, False, False, True]
    assert matrix.unknown[0, minutes].tolist() == [False, False, False, True, False]
    assert matrix.unknown[0, first - 1]  # never observed: unknown, not down
    # A row written before silent minutes were recorded (NULL) reads as before.
    legacy = [(*row[:7], None) for row in rows]
    assert unpack_days(legacy, [circuit_id], [NOON.date()]).unknown[0, first]


def test_the_state_now_follows_the_minute_rules() -> None:
    assert state_now("down", "answered") == "down"  # interface down wins
    assert state_now("up", "lost") == "up"
    assert state_now("unread", "answered") == "up"  # refuses the credentials, answers probes
    assert state_now("silent", None) == "down"  # silent while the others answered
    assert state_now("unread", "lost") == "down"
    assert state_now("unread", None) == state_now(None, None) == "unknown"
