"""The apps plane's figures for Prometheus, read from the database at scrape time (so
every API process shows the same): per instance, whether it is healthy and whether it
drifted, as last checked."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import select

from apps.deployments.models import Instance
from apps.targets.models import AppTarget
from controlplane.db import Database, Scope


class InstanceCollector(Collector):
    """``socle_app_instance_healthy`` and ``socle_app_instance_drifted`` per instance."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[GaugeMetricFamily]:
        labels = ["service", "target", "version"]
        healthy = GaugeMetricFamily("socle_app_instance_healthy",
                                    "1 when the instance passed its last health check.",
                                    labels=labels)
        drifted = GaugeMetricFamily("socle_app_instance_drifted",
                                    "1 when the last drift check found the instance drifted.",
                                    labels=labels)
        with self.database.session(scope=Scope.unrestricted(), write=False) as db:
            rows = db.execute(select(Instance.service, AppTarget.name, Instance.version,
                                     Instance.health, Instance.drift)
                              .join(AppTarget, AppTarget.id == Instance.target_id)
                              .order_by(Instance.service, AppTarget.name)).all()
        for service, target, version, health, drift in rows:
            if health in ("healthy", "unhealthy"):
                healthy.add_metric([service, target, version], 1.0 if health == "healthy" else 0.0)
            drifted.add_metric([service, target, version], 1.0 if drift else 0.0)
        yield healthy
        yield drifted


COLLECTORS = [InstanceCollector]
