"""IPAM: next-free allocation (pure and through the API), explicit prefixes, pools that
never overlap, releases, and allocations racing from several threads."""

from __future__ import annotations

import ipaddress
import random
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from controlplane.db import Database, Scope
from controlplane.errors import Conflict
from controlplane.models import AuditRecord
from network import allocate, create_pool, next_free
from network.ipam.models import Prefix, PrefixPool
from network.ipam.schemas import PoolCreate, PrefixAllocate
from tests.conftest import TenantFactory, TokenFactory
from tests.network.factories import NetworkFactory, race

NET = "/api/v1/network"
net4, net6 = ipaddress.IPv4Network, ipaddress.IPv6Network


@pytest.fixture
def net(database: Database) -> NetworkFactory:
    return NetworkFactory(database)


@pytest.mark.parametrize(("pool", "length", "taken", "expected"), [
    ("10.0.0.0/16", 24, [], "10.0.0.0/24"),
    ("10.0.0.0/16", 24, ["10.0.0.0/24", "10.0.1.0/24"], "10.0.2.0/24"),
    ("10.0.0.0/16", 24, ["10.0.0.0/24", "10.0.2.0/24"], "10.0.1.0/24"),  # fills the gap
    ("10.0.0.0/16", 24, ["10.0.0.0/26"], "10.0.1.0/24"),  # aligned after a smaller block
    ("10.0.0.0/16", 26, ["10.0.0.0/26", "10.0.0.128/25"], "10.0.0.64/26"),
    ("10.0.0.0/16", 22, ["10.0.1.0/24"], "10.0.4.0/22"),
    ("10.0.0.0/16", 16, [], "10.0.0.0/16"),
    ("10.0.0.0/16", 16, ["10.0.255.252/30"], None),
    ("10.0.0.0/30", 32, ["10.0.0.0/32", "10.0.0.1/32", "10.0.0.2/32"], "10.0.0.3/32"),
    ("10.0.0.0/30", 31, ["10.0.0.0/31", "10.0.0.2/31"], None),
    ("2001:db8::/48", 64, [], "2001:db8::/64"),
    ("2001:db8::/48", 64, ["2001:db8::/64", "2001:db8:0:2::/64"], "2001:db8:0:1::/64"),
    ("2001:db8::/48", 56, ["2001:db8::/64"], "2001:db8:0:100::/56"),
    ("2001:db8::/126", 128, ["2001:db8::/127", "2001:db8::3/128"], "2001:db8::2/128"),
])
def test_next_free_takes_the_lowest_aligned_free_prefix(
    pool: str, length: int, taken: list[str], expected: str | None
) -> None:
    found = next_free(ipaddress.ip_network(pool), length, [ipaddress.ip_network(t) for t in taken])
    assert (str(found) if found else None) == expected


def test_next_free_refuses_a_length_outside_the_pool() -> None:
    for length in (15, 33):
        with pytest.raises(ValueError, match="does not fit"):
            next_free(net4("10.0.0.0/16"), length, [])


def _reference(pool: net4, length: int, taken: list[net4]) -> net4 | None:
    """Brute force: every aligned candidate in order, the first overlapping nothing."""
    for candidate in pool.subnets(new_prefix=length):
        if not any(candidate.overlaps(block) for block in taken):
            return candidate
    return None


def test_next_free_matches_brute_force_on_random_pools() -> None:
    rng = random.Random(20261127)
    for _ in range(300):
        pool = net4(f"10.{rng.randrange(256)}.{rng.randrange(256)}.0/24")
        taken: list[net4] = []
        for _ in range(rng.randrange(1, 12)):
            length = rng.randrange(25, 33)
            expected = _reference(pool, length, taken)
            found = next_free(pool, length, sorted(taken))
            assert found == expected, (pool, length, taken)
            if found is not None:
                taken.append(found)
        assert not any(a.overlaps(b) for i, a in enumerate(taken) for b in taken[i + 1:])


def test_allocation_through_the_api_ipv4_and_ipv6(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, database: Database,
    net: NetworkFactory,
) -> None:
    tenant = make_tenant()
    site = net.site(tenant)
    headers = auth("network-engineer")
    v4 = client.post(f"{NET}/pools", json={"name": "lan-v4", "prefix": "10.64.0.0/16",
                                           "role": "site-lan"}, headers=headers).json()
    v6 = client.post(f"{NET}/pools", json={"name": "lan-v6", "prefix": "2001:db8:100::/40",
                                           "role": "site-lan"}, headers=headers).json()
    assert (v4["family"], v6["family"]) == (4, 6)

    def take(pool: dict[str, Any], length: int, **body: Any) -> dict[str, Any]:
        answer = client.post(f"{NET}/prefixes/{pool['id']}/allocate",
                             json={"length": length, **body}, headers=headers)
        assert answer.status_code == 201, answer.text
        return answer.json()

    first = take(v4, 24, site=site.code.lower(), description="LAN santé")
    assert (first["prefix"], first["site"], first["tenant"], first["role"], first["pool"]) == (
        "10.64.0.0/24", site.code, tenant.finess, "site-lan", v4["id"])
    assert take(v4, 26)["prefix"] == "10.64.1.0/26"
    assert take(v4, 24)["prefix"] == "10.64.2.0/24"
    assert take(v4, 26)["prefix"] == "10.64.1.64/26"
    assert [take(v6, 64)["prefix"] for _ in range(2)] == ["2001:db8:100::/64",
                                                          "2001:db8:100:1::/64"]
    assert take(v6, 48)["prefix"] == "2001:db8:101::/48"

    released = client.delete(f"{NET}/prefixes/{first['id']}", headers=headers)
    assert released.status_code == 200 and released.json()["prefix"] == "10.64.0.0/24"
    assert client.get(f"{NET}/prefixes/{first['id']}", headers=headers).status_code == 404
    assert take(v4, 24)["prefix"] == "10.64.0.0/24"  # the freed block is the lowest again

    listing = client.get(f"{NET}/prefixes?family=6&role=site-lan", headers=headers).json()
    assert [p["prefix"] for p in listing["items"]] == [
        "2001:db8:100::/64", "2001:db8:100:1::/64", "2001:db8:101::/48"]
    assert client.get(f"{NET}/prefixes?pool={v4['id']}", headers=headers).json()["total"] == 4
    assert client.get(f"{NET}/prefixes?site={site.code}", headers=headers).json()["total"] == 0
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        actions = db.scalars(select(AuditRecord.action).where(
            AuditRecord.target_type == "network.prefix").order_by(AuditRecord.seq)).all()
        release = db.scalar(select(AuditRecord).where(
            AuditRecord.action == "network.prefix.release"))
    assert actions.count("network.prefix.allocate") == 8 and "network.prefix.release" in actions
    assert release is not None and release.after is None
    assert release.before["prefix"] == "10.64.0.0/24" and release.tenant_finess == tenant.finess


def _counts(database: Database) -> tuple[int, int, int]:
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        return tuple(db.scalar(select(func.count()).select_from(m)) or 0  # type: ignore[return-value]
                     for m in (PrefixPool, Prefix, AuditRecord))


def test_bad_prefixes_are_refused_naming_the_field_and_write_nothing(
    client: TestClient, auth: TokenFactory, database: Database, net: NetworkFactory,
) -> None:
    pool = net.pool("10.64.0.0/16")
    small = net.pool("10.99.0.0/30", role="loopback")
    net.pool("fd00:10::/32", role="loopback")
    allocated = net.prefix(pool=pool, length=24)
    headers = auth("gcs-operator")
    before = _counts(database)
    cases: list[tuple[str, dict[str, Any], int, str, str]] = [
        ("pools", {"name": "p", "prefix": "10.64.0.1/16", "role": "site-lan"}, 422, "prefix",
         "host bits set"),
        ("pools", {"name": "p", "prefix": "10.300.0.0/16", "role": "site-lan"}, 422, "prefix",
         "not a prefix"),
        ("pools", {"name": "p", "prefix": "10.0.0.0/8", "role": "site-lan"}, 409, "prefix",
         f"overlaps pool {pool.name} (10.64.0.0/16)"),
        ("pools", {"name": "p", "prefix": "10.64.128.0/17", "role": "site-lan"}, 409, "prefix",
         "overlaps pool"),
        ("pools", {"name": "p", "prefix": "fd00:10:8000::/33", "role": "loopback"}, 409,
         "prefix", "overlaps pool"),
        ("pools", {"name": pool.name, "prefix": "10.65.0.0/16", "role": "site-lan"}, 409,
         "name", "already exists"),
        ("pools", {"name": "p", "prefix": "10.65.0.0/16", "role": "wan"}, 422, "role", ""),
        ("prefixes", {"prefix": "10.64.0.1/24"}, 422, "prefix", "host bits set"),
        ("prefixes", {"prefix": "10.65.0.0/24"}, 422, "prefix", "lies in no pool"),
        ("prefixes", {"prefix": "10.64.0.0/15"}, 422, "prefix", "lies in no pool"),
        ("prefixes", {"prefix": "10.64.0.128/25"}, 409, "prefix",
         f"overlaps allocated prefix {allocated.prefix}"),
        ("prefixes", {"prefix": "10.64.0.0/23"}, 409, "prefix", "overlaps allocated prefix"),
        ("prefixes", {"prefix": "10.64.0.0/24"}, 409, "prefix", "overlaps allocated prefix"),
        ("prefixes", {"prefix": "10.64.9.0/24", "site": "S-NOPE"}, 422, "site", "no site"),
        (f"prefixes/{pool.id}/allocate", {"length": 8}, 422, "length", "between 16 and 32"),
        (f"prefixes/{pool.id}/allocate", {"length": 33}, 422, "length", "between 16 and 32"),
        (f"prefixes/{pool.id}/allocate", {"length": 129}, 422, "length", ""),
        (f"prefixes/{pool.id}/allocate", {"length": 24, "site": "S-NOPE"}, 422, "site", ""),
        (f"prefixes/{small.id}/allocate", {"length": 29}, 422, "length", ""),
    ]
    for path, body, code, field, message in cases:
        answer = client.post(f"{NET}/{path}", json=body, headers=headers)
        assert answer.status_code == code, (path, body, answer.text)
        assert any(e["field"] == field and message in e["message"]
                   for e in answer.json()["errors"]), (field, answer.json())
    for _ in range(4):
        assert client.post(f"{NET}/prefixes/{small.id}/allocate", json={"length": 32},
                           headers=headers).status_code == 201
    before = (before[0], before[1] + 4, before[2] + 4)
    full = client.post(f"{NET}/prefixes/{small.id}/allocate", json={"length": 32},
                       headers=headers)
    assert full.status_code == 409 and "no free /32 left" in full.json()["detail"]
    assert client.post(f"{NET}/prefixes/999999/allocate", json={"length": 24},
                       headers=headers).status_code == 404
    assert client.delete(f"{NET}/prefixes/999999", headers=headers).status_code == 404
    assert _counts(database) == before


def test_an_explicit_prefix_lands_in_its_pool(
    client: TestClient, auth: TokenFactory, make_tenant: TenantFactory, net: NetworkFactory,
) -> None:
    tenant = make_tenant()
    site = net.site(tenant)
    loopbacks = net.pool("10.255.0.0/24", role="loopback")
    net.pool("10.64.0.0/16")
    headers = auth("gcs-operator")
    answer = client.post(f"{NET}/prefixes", json={"prefix": "10.255.0.7/32", "site": site.code},
                         headers=headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["pool"] == loopbacks.id and answer.json()["role"] == "loopback"
    assert answer.json()["tenant"] == tenant.finess
    overlap = client.post(f"{NET}/prefixes", json={"prefix": "10.255.0.6/31"}, headers=headers)
    assert overlap.status_code == 409 and "10.255.0.7/32" in overlap.json()["detail"]
    following = client.post(f"{NET}/prefixes/{loopbacks.id}/allocate", json={"length": 32},
                            headers=headers)
    assert following.json()["prefix"] == "10.255.0.0/32"


def test_concurrent_allocations_never_return_the_same_prefix(
    database: Database, net: NetworkFactory,
) -> None:
    pool = net.pool("10.80.0.0/22")
    rounds = 5

    def work(_: int) -> list[str]:
        taken = []
        for _ in range(rounds):
            with database.transaction(scope=Scope.unrestricted()) as db:
                taken.append(allocate(db, pool.id, PrefixAllocate(length=28), actor="t").prefix)
        return taken

    results = race(8, work)
    assert not [r for r in results if isinstance(r, BaseException)], results
    prefixes = [ipaddress.ip_network(p) for batch in results for p in batch]
    assert len(prefixes) == 8 * rounds == len(set(prefixes))
    assert sorted(prefixes) == list(net4("10.80.0.0/22").subnets(new_prefix=28))[: 8 * rounds]


def test_concurrent_overlapping_pools_let_exactly_one_in(
    database: Database,
) -> None:
    def work(i: int) -> str:
        with database.transaction(scope=Scope.unrestricted()) as db:
            data = PoolCreate(name=f"race-{i}", prefix=f"10.90.0.0/{16 + i}", role="site-lan")
            return create_pool(db, data, actor="t").prefix

    results = race(6, work)
    created = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(created) == 1 and len(refused) == 5, results
    # each loser is told the pool it overlaps; on PostgreSQL under load, racing inserts on
    # the exclusion constraint can deadlock round after round, and a loser that ran out of
    # retries is told to try again: a refusal too, nothing half-made
    assert all("overlaps pool" in r.detail or "try again" in r.detail for r in refused)
