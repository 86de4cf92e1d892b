"""The placement policy, as a pure function: refusals explained, copies spread out, what
placed requests hold subtracted from each provider's capacity."""

from __future__ import annotations

from datetime import date

from hosting.subscriptions.placement import Need, ProviderFacts, place, refusals

TODAY = date(2026, 11, 27)
ALL = frozenset(range(1, 7))


def provider(name: str, *, location: str | None = None, country: str = "FR",
             activities: frozenset[int] = ALL, expires: date = date(2028, 1, 1),
             endpoints: frozenset[str] = frozenset({"s3", "ec2"}),
             capacity_gb: int = 10_000, capacity_vcpus: int = 64, held_gb: int = 0,
             held_vcpus: int = 0) -> ProviderFacts:
    return ProviderFacts(name, activities, expires, country, location or f"dc-{name}",
                         endpoints, capacity_gb, capacity_vcpus, held_gb, held_vcpus)


def test_two_copies_go_to_two_providers_in_two_locations() -> None:
    decision = place([provider("a"), provider("b"), provider("c")], Need("backup", copies=2),
                     TODAY)
    assert decision.ok and decision.chosen == ["a", "b"]
    assert decision.reasons == ["copy 1 on a (dc-a, FR)", "copy 2 on b (dc-b, FR)"]
    assert all(v.eligible for v in decision.verdicts)


def test_same_location_does_not_count_as_a_second_copy() -> None:
    decision = place([provider("a", location="Paris"), provider("b", location="Paris")],
                     Need("backup", copies=2), TODAY)
    assert not decision.ok and decision.chosen == []
    assert decision.verdicts[1].reasons == ["location Paris already holds a copy"]
    assert "found 1" in decision.reasons[0]


def test_a_single_provider_cannot_hold_two_copies() -> None:
    decision = place([provider("a")], Need("backup", copies=2), TODAY)
    assert not decision.ok
    assert decision.reasons == [
        "2 copies need 2 eligible providers in distinct locations; found 1"
    ]


def test_expired_certificate_is_refused_and_said_so() -> None:
    expired = provider("old", expires=date(2026, 11, 26))
    assert refusals(expired, Need("storage"), TODAY) == [
        "HDS certificate expired on 2026-11-26"
    ]
    assert refusals(provider("today", expires=TODAY), Need("storage"), TODAY) == []
    decision = place([expired, provider("b"), provider("c")], Need("backup", copies=2), TODAY)
    assert decision.chosen == ["b", "c"]
    assert not decision.verdicts[0].eligible


def test_certificate_must_cover_the_activity() -> None:
    no_backup = provider("a", activities=frozenset({1, 2, 3, 4, 5}))
    assert refusals(no_backup, Need("backup"), TODAY) == [
        "HDS certificate does not cover activities [6]"
    ]
    assert refusals(no_backup, Need("vm"), TODAY) == []
    physical_only = provider("p", activities=frozenset({1, 2}))
    assert refusals(physical_only, Need("vm"), TODAY) == [
        "HDS certificate does not cover activities [3, 5]"
    ]


def test_data_outside_the_eea_is_refused() -> None:
    assert refusals(provider("ch", country="CH"), Need("storage"), TODAY) == [
        "stores data in CH, outside the EEA"
    ]
    assert refusals(provider("us", country="us"), Need("storage"), TODAY)
    assert refusals(provider("no", country="NO"), Need("storage"), TODAY) == []  # EEA, not EU


def test_endpoint_and_capacity() -> None:
    s3_only = provider("a", endpoints=frozenset({"s3"}))
    assert refusals(s3_only, Need("vm"), TODAY) == ["has no EC2 endpoint"]
    assert refusals(s3_only, Need("dry-hosting"), TODAY) == []
    small = provider("s", capacity_gb=50)
    assert refusals(small, Need("storage", size_gb=100), TODAY) == [
        "50 GB left of 50, 100 asked"
    ]


def test_what_placed_requests_hold_is_not_left() -> None:
    nearly_full = provider("hds-a", capacity_gb=500, held_gb=460)
    assert nearly_full.left_gb == 40
    assert refusals(nearly_full, Need("storage", size_gb=40), TODAY) == []  # exactly fits
    assert refusals(nearly_full, Need("storage", size_gb=60), TODAY) == [
        "40 GB left of 500, 60 asked"
    ]
    decision = place([nearly_full, provider("hds-b", capacity_gb=500, held_gb=100)],
                     Need("storage", size_gb=60), TODAY)
    assert decision.ok and decision.chosen == ["hds-b"]
    shown = {v["provider"]: v for v in decision.as_dict()["verdicts"]}
    assert (shown["hds-a"]["left_gb"], shown["hds-a"]["capacity_gb"]) == (40, 500)
    assert (shown["hds-b"]["left_gb"], shown["hds-b"]["eligible"]) == (400, True)


def test_vcpus_are_capacity_too() -> None:
    busy = provider("hds-a", capacity_vcpus=16, held_vcpus=10)
    assert refusals(busy, Need("vm", vcpus=8), TODAY) == ["6 vCPUs left of 16, 8 asked"]
    assert refusals(busy, Need("vm", vcpus=6), TODAY) == []
    undeclared = provider("hds-b", capacity_vcpus=0)
    assert refusals(undeclared, Need("vm", vcpus=2), TODAY) == ["0 vCPUs left of 0, 2 asked"]
    assert refusals(undeclared, Need("storage", size_gb=10), TODAY) == []  # no vCPU asked
    over = provider("hds-c", capacity_gb=100, held_gb=120)  # capacity lowered below holdings
    assert over.left_gb == 0


def test_a_refusal_names_each_provider_with_its_figures() -> None:
    decision = place([provider("hds-a", capacity_gb=500, held_gb=460),
                      provider("hds-b", endpoints=frozenset({"ec2"}))],
                     Need("storage", size_gb=60), TODAY)
    assert not decision.ok and decision.chosen == []
    assert decision.reasons == [
        "1 copy needs an eligible provider; found 0",
        "hds-a: 40 GB left of 500, 60 asked",
        "hds-b: has no S3 endpoint",
    ]


def test_every_refusal_is_listed() -> None:
    bad = provider("x", country="US", expires=date(2020, 1, 1), activities=frozenset({1}),
                   endpoints=frozenset())
    assert len(refusals(bad, Need("backup", size_gb=1), TODAY)) == 4
    decision = place([bad], Need("backup"), TODAY)
    assert not decision.ok and decision.as_dict()["verdicts"][0]["provider"] == "x"
