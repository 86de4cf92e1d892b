"""The shipped alert rules: valid for Prometheus (``promtool check rules``), behaving as
intended on example series (``promtool test rules``), and only about metrics Socle
really exposes."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from apps.deployments.models import Instance
from controlplane import jobs, schedule
from controlplane.db import Database, Scope, utcnow
from controlplane.metrics import exposition
from controlplane.models import ScheduleState
from network.polling import metrics
from tests.apps.factories import AppsFactory
from tests.conftest import TenantFactory
from tests.hosting.test_evidence_as_of import timeline
from tests.hosting.test_metrics import archived

ROOT = Path(__file__).resolve().parents[2]
RULES = sorted((ROOT / "monitoring" / "rules").glob("*.yml"))
HERE = Path(__file__).parent


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    if binary is None:
        pytest.fail("promtool not found: apt-get install prometheus (scripts/system-deps.sh)")
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=60,
                          cwd=HERE, check=False)


def test_rules_are_valid() -> None:
    assert RULES, "no rule file shipped"
    checked = promtool("check", "rules", *map(str, RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("SUCCESS") == len(RULES), checked.stdout
    assert "SUCCESS: 9 rules found" in checked.stdout  # network
    assert "SUCCESS: 2 rules found" in checked.stdout  # apps
    assert "SUCCESS: 4 rules found" in checked.stdout  # controlplane
    assert "SUCCESS: 12 rules found" in checked.stdout  # hosting


def test_shipped_prometheus_configuration_is_valid(tmp_path: Path) -> None:
    """Valid as shipped once the scrape token it names exists (promtool reads it)."""
    shipped = (ROOT / "monitoring" / "prometheus.yml").read_text()
    token_file = "/var/lib/socle/metrics-scrape.token"
    assert f"credentials_file: {token_file}" in shipped
    (tmp_path / "metrics-scrape.token").write_text("0" * 64)
    (tmp_path / "rules").symlink_to(ROOT / "monitoring" / "rules")
    config = tmp_path / "prometheus.yml"
    config.write_text(shipped.replace(token_file, str(tmp_path / "metrics-scrape.token")))
    checked = promtool("check", "config", str(config))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(RULES)} rule files found" in checked.stdout


def test_rules_fire_as_intended() -> None:
    tested = promtool("test", "rules", *map(str, sorted(HERE.glob("*_rules_test.yml"))))
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_rules_only_use_exposed_metrics(
    database: Database, make_tenant: TenantFactory, tmp_path: Path
) -> None:
    """Every metric a rule names is in what /metrics exposes: the poller's live figures,
    and what is read from the database (a queued and a failed job, an apps instance, a
    schedule that ran, a backed-up subscription with its restore test and PRA exercise, an
    archived document)."""
    facts = timeline(database, make_tenant(), tmp_path)
    archived(facts, database, "doc.pdf", created=utcnow())
    target = AppsFactory(database).target()
    with database.transaction(scope=Scope.unrestricted()) as db:
        jobs.enqueue(db, kind="apps.health", params={}, actor="tests")
        jobs.enqueue(db, kind="apps.health", params={}, actor="tests").state = "failed"
        db.add(Instance(service="identity", target_id=target.id, version="1.0.0",
                        config_sha256="0" * 64, health="healthy"))
        db.add(ScheduleState(name="apps.health-check", runs=1, failures=0,
                             last_run_at=utcnow(), last_success_at=utcnow()))
    collector = metrics._Collector()
    collector.cycle(metrics.CycleSnapshot(
        shard="1/1", finished_at=1.0, duration=0.5, lag=0.0, devices={"ce-1": None},
        circuits_up={"CIR-1": True},
        interfaces=[metrics.InterfaceFigures("ce-1", 1, True, dict.fromkeys(
            metrics.RATE_NAMES, 1.0))], in_maintenance={"CIR-1": False}))
    collector.probes([metrics.ProbeFigures("CIR-1", "EF", 1.0, 0.1, 0.0)], 2.0)
    collector.sla([metrics.SlaFigures("CIR-1", "op", 99.95, 99.9)])
    registry = CollectorRegistry()
    registry.register(collector)
    text = (generate_latest(registry) + exposition(database)
            + schedule.exposition(database)).decode()
    exposed = set(re.findall(r"^(socle_\w+)", text, re.M))
    used = {name for path in RULES for name in re.findall(r"\bsocle_\w+", path.read_text())}
    assert used and used <= exposed, sorted(used - exposed)
