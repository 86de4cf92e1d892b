"""Settings, read from the environment (``SOCLE_*``) and optionally from a TOML file.

Precedence: environment variables, then the TOML file named by ``SOCLE_CONFIG``
(keys are the field names below, without the prefix), then the defaults.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


class _TomlFileSource(PydanticBaseSettingsSource):
    """Reads the TOML file named by ``SOCLE_CONFIG``, if any."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._data().get(field_name), field_name, False

    def _data(self) -> dict[str, Any]:
        path = os.environ.get("SOCLE_CONFIG")
        if not path:
            return {}
        with open(path, "rb") as handle:
            return tomllib.load(handle)

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self._data().items() if k in self.settings_cls.model_fields}


class Settings(BaseSettings):
    """Everything Socle reads from its environment. Each field is ``SOCLE_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="SOCLE_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./var/socle.db",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db.",
    )
    data_dir: Path = Field(default=Path("./var"), description="Where Socle keeps its files.")
    host: str = Field(default="127.0.0.1", description="Address `socle serve` listens on.")
    port: int = Field(default=8000, description="Port `socle serve` listens on.")
    api_threads: int = Field(
        default=40, ge=4, le=400,
        description="Threads `socle serve` runs request handlers in; each database pool holds "
        "as many connections plus 10, so no request waits for another's connection.",
    )
    api_max_body_bytes: int = Field(
        default=4 * 1024 * 1024, ge=1024,
        description="Largest request body the API reads (413 above); archive deposits have "
        "their own limit.",
    )
    embedded_worker: bool = Field(
        default=True, description="Run a job worker inside the API process (`socle serve`)."
    )
    worker_poll_seconds: float = Field(
        default=1.0, description="How often an idle worker looks for queued jobs."
    )
    job_lease_seconds: float = Field(
        default=30.0,
        description="A running job's lease; a job whose worker stops renewing it is taken over.",
    )
    plugins: str = Field(
        default="",
        description="Comma-separated extra modules to import at start (to register job kinds).",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    metrics_scrape_token: bool = Field(
        default=True,
        description="/metrics answers only a bearer token, the one Socle keeps in "
        "SOCLE_DATA_DIR/metrics-scrape.token (Prometheus reads it with credentials_file); "
        "false serves it to anyone (a management network only).",
    )
    trusted_proxies: str = Field(
        default="127.0.0.1,::1",
        description="Comma-separated addresses or networks (CIDR) of the reverse proxies whose "
        "X-Forwarded-Proto and X-Forwarded-For `socle serve` believes (the console's cookie is "
        "Secure behind a TLS proxy only then); * trusts every peer, empty none.",
    )
    scheduler_enabled: bool = Field(
        default=True,
        description="Run the periodic schedules in `socle worker` and the embedded worker.",
    )
    scheduler_tick_seconds: float = Field(
        default=15.0, gt=0, description="How often the scheduler looks for due schedules."
    )
    schedules: dict[str, str | float] = Field(
        default={},
        description="Per-schedule timing overrides, name to seconds, daily HH:MM (Europe/Paris) "
        'or "off" (JSON in the environment, a [schedules] table in TOML).',
    )
    # Network plane: VRF route distinguishers and route targets are allocated as ASN:N.
    network_asn: int = Field(
        default=65010,
        ge=1,
        le=4_294_967_294,
        description="The GCS's private BGP AS number; VRF RDs and RTs are allocated as ASN:N.",
    )
    network_apply_concurrency: int = Field(
        default=8, ge=1, le=256, description="Routers planned, applied or backed up at once."
    )
    network_ssh_timeout: float = Field(
        default=10.0, gt=0, description="Seconds an SSH connection or one CLI exchange may take."
    )
    network_session_wait: float = Field(
        default=60.0, gt=0, le=3600,
        description="Seconds a migration waits for the new BGP session to come up before it "
        "stops, keeps the old access and rolls the router back.",
    )
    network_snmp_user: str = Field(
        default="socle-mon", description="SNMPv3 user rendered on the routers for monitoring."
    )
    network_snmp_auth_ref: str = Field(
        default="file:snmp-auth.key",
        description="Where the SNMPv3 auth key is: env:SOCLE_SECRET_NETWORK_NAME or file:NAME "
        "(0600, in DATA_DIR/secrets/network/).",
    )
    network_snmp_priv_ref: str = Field(
        default="file:snmp-priv.key",
        description="Where the SNMPv3 privacy key is: env:SOCLE_SECRET_NETWORK_NAME or "
        "file:NAME (0600, in DATA_DIR/secrets/network/).",
    )
    network_poll_interval: float = Field(
        default=30.0, gt=0, description="Seconds between SNMP poll cycles (and probe rounds)."
    )
    network_poll_concurrency: int = Field(
        default=64, ge=1, le=4096, description="SNMP requests one poller keeps in flight."
    )
    network_snmp_timeout: float = Field(
        default=1.0, gt=0, description="Seconds to wait for one SNMP answer (then retry)."
    )
    network_snmp_retries: int = Field(
        default=1, ge=0, le=5, description="SNMP retries per request before unreachable."
    )
    network_sla_retention_days: int = Field(
        default=400, ge=1, description="Days of per-minute SLA rows kept (older ones purged)."
    )
    hosting_archive_verify_days: int = Field(
        default=90, ge=1, le=36500,
        description="Days between two integrity checks of an archived document.",
    )
    hosting_archive_max_bytes: int = Field(
        default=1024 * 1024 * 1024, ge=1024,
        description="Largest document an archive deposit accepts (413 above); it is streamed "
        "to disk, not held in memory.",
    )
    hosting_backup_source_roots: str = Field(
        default="",
        description="Comma-separated folders backup policies may read (empty: any folder "
        "but the system's and Socle's data directory, which are never read).",
    )
    hosting_backup_check_days: int = Field(
        default=1, ge=1, le=366,
        description="Days between two integrity checks (restic check) of a backup copy.",
    )
    hosting_backup_check_percent: float = Field(
        default=5.0, ge=0.1, le=100,
        description="Share (%) of a backup copy's data packs each check reads and verifies: "
        "the packs are read in 100/P fixed groups, one per check, in turn (the repository's "
        "structure is checked whole every time).",
    )
    ssi_checks_allow_private_targets: str = Field(
        default="",
        description="Comma-separated non-public networks (CIDR, e.g. 127.0.0.0/8 or the GCS's "
        "DMZ) the SSI technical checks may connect to; empty: public addresses only.",
    )
    ssi_min_group_size: int = Field(
        default=5, ge=1,
        description="Fewest establishments a regional figure of a diagnostic flash campaign "
        "(quartiles, maturity counts, rank) must be computed over to be shown to an "
        "establishment; smaller groups are withheld from it (regional roles see them all).",
    )

    @field_validator("ssi_checks_allow_private_targets")
    @classmethod
    def _networks(cls, value: str) -> str:
        """Each item a network (CIDR, host bits unset) or an address; normalised."""
        return ",".join(str(ipaddress.ip_network(item.strip()))
                        for item in value.split(",") if item.strip())

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        """Each item an address, a network (CIDR) or ``*``; normalised."""
        items = [item.strip() for item in value.split(",") if item.strip()]
        if "*" in items:
            return "*"
        return ",".join(str(ipaddress.ip_network(item)) if "/" in item
                        else str(ipaddress.ip_address(item)) for item in items)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlFileSource(settings_cls))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once; tests call ``get_settings.cache_clear()``)."""
    return Settings()


def describe_settings() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every setting, for docs and --help."""
    rows = []
    for name, field in Settings.model_fields.items():
        rows.append((f"SOCLE_{name.upper()}", str(field.default), field.description or ""))
    return rows
