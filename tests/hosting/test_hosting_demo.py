"""``socle demo`` for hosting: the priced catalogue always; on the running simulated
providers, two HDS providers and approved subscriptions that a worker provisions."""

from __future__ import annotations

import stat

from typer.testing import CliRunner

from controlplane import jobs
from controlplane.cli.main import app as cli
from controlplane.db import Database, Scope
from controlplane.settings import Settings
from controlplane.simulation import state_file
from hosting.demo import OFFERS, PROVIDERS_SIMULATOR
from hosting.sim.providers import SimulatedProviders
from hosting.sim.state import write_state_file
from hosting.subscriptions.models import Subscription
from tests.hosting.test_hosting_cli import socle

runner = CliRunner()


def test_demo_catalogue_then_subscriptions_on_the_simulated_providers(
    providers: SimulatedProviders, settings: Settings, database: Database
) -> None:
    first = runner.invoke(cli, ["demo"])
    assert first.exit_code == 0, first.output
    assert "simulated providers are not running" in first.stdout
    offers = {o["code"]: o for o in socle("offer", "list", "--json")}
    assert set(offers) == {o["code"] for o in OFFERS}
    assert {o["kind"] for o in offers.values()} == {
        "dry-hosting", "vm", "storage", "backup", "archive", "dr"}
    assert all(o["monthly_price_cents"] > 0 for o in offers.values())
    assert offers["sauvegarde-or"]["rpo_hours"] == 1 and offers["sauvegarde-or"]["immutable"]

    state = state_file(settings.data_dir, PROVIDERS_SIMULATOR)
    state.parent.mkdir(parents=True, exist_ok=True)
    write_state_file(state, providers.endpoints, pid=0)
    seeded = runner.invoke(cli, ["demo"])
    assert seeded.exit_code == 0, seeded.output
    assert "3 request(s) approved" in seeded.stdout
    assert "already there" in runner.invoke(cli, ["demo"]).stdout
    keys = settings.data_dir / "secrets" / "hosting" / "demo-hds-paris.keys"
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    worker = jobs.Worker(database)
    while worker.run_once() is not None:
        pass
    with database.session(scope=Scope.unrestricted(), write=False) as db:
        subscriptions = list(db.query(Subscription))
        assert sorted((s.offer.code, s.state) for s in subscriptions) == [
            ("archive-10-ans", "active"), ("sauvegarde-argent", "active"),
            ("vm-standard", "active")]
        locked = [r for s in subscriptions for r in s.resources if r.details.get("object_lock")]
        assert {r.details["retention_days"] for r in locked} == {90, 3650}
