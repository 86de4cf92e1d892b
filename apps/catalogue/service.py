"""The service catalogue: the regional services as data (``apps/catalogue/catalog/*.yaml``).

Each file defines one service (description, runtime, dependencies, resources, ports,
health check, the availability it is meant to reach each month, JSON Schemas of its
configuration and per-tenant settings, data to back up, versions with their artifact and
SHA-256), or extends one with more versions (``extends: NAME``). Files are validated
when loaded: an error names the file and line.

Extra catalogue directories (read after ``apps/catalogue/catalog``) are named by the
``SOCLE_APPS_CATALOG`` environment variable (``os.pathsep``-separated).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import jsonschema
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SHIPPED = Path(__file__).parent / "catalog"
CATALOG_ENV = "SOCLE_APPS_CATALOG"
_NAME = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
_VERSION = re.compile(r"^\d+\.\d+\.\d+(-[a-z0-9.]+)?$")


class CatalogError(ValueError):
    """A catalogue file is invalid; the message starts with ``file:line``."""


class HealthCheck(BaseModel):
    """How Socle decides an instance is healthy: a TCP connect, an HTTP 200, or a command
    exiting 0 (``{address}``, ``{port_<name>}`` and config keys are substituted)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["tcp", "http", "command"]
    port: str | None = None
    path: str = "/health"
    command: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> HealthCheck:
        if self.type in ("tcp", "http") and not self.port:
            raise ValueError(f"a {self.type} health check names a port")
        if self.type == "command" and not self.command:
            raise ValueError("a command health check has a command")
        return self


class Resources(BaseModel):
    """What one instance needs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    vcpus: int = Field(ge=1)
    memory_mb: int = Field(ge=64)
    disk_gb: int = Field(ge=1)


class Version(BaseModel):
    """A release of a service: its artifact (relative to the catalogue file) and checksum."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    artifact: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    path: Path | None = Field(default=None, exclude=True)

    @field_validator("version")
    @classmethod
    def _semver(cls, value: str) -> str:
        if not _VERSION.match(value):
            raise ValueError(f"{value!r} is not a version like 1.2.3")
        return value

    def artifact_checksum(self) -> str:
        """The SHA-256 of the artifact file as it is now."""
        assert self.path is not None
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def _check_schema(value: dict[str, Any]) -> dict[str, Any]:
    try:
        jsonschema.Draft202012Validator.check_schema(value)
    except jsonschema.SchemaError as exc:
        raise ValueError(f"not a JSON Schema: {exc.message}") from None
    return value


class Service(BaseModel):
    """A regional service as the catalogue defines it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title: str
    description: str
    runtime: Literal["http-service", "openldap", "postfix"]
    dependencies: tuple[str, ...] = ()
    network_access: Literal["THD", "MPLS"] | None = None
    resources: Resources
    ports: dict[str, int]
    health: HealthCheck
    availability_target_pct: float | None = Field(
        default=None, gt=0, le=100,
        description="The monthly availability (%) the GCS targets for the service, judged "
        "from its health checks (apps.availability evidence); none: no target defined.")
    config_schema: dict[str, Any]
    config_defaults: dict[str, Any] = {}
    tenant_settings_schema: dict[str, Any]
    backup: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    versions: tuple[Version, ...]

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("lowercase letters, digits and dashes")
        return value

    @field_validator("ports")
    @classmethod
    def _ports(cls, value: dict[str, int]) -> dict[str, int]:
        for name, port in value.items():
            if not 1 <= port <= 65535:
                raise ValueError(f"port {name} must be 1..65535")
        return value

    @field_validator("config_schema", "tenant_settings_schema")
    @classmethod
    def _schemas(cls, value: dict[str, Any]) -> dict[str, Any]:
        return _check_schema(value)

    @model_validator(mode="after")
    def _consistent(self) -> Service:
        if self.health.port is not None and self.health.port not in self.ports:
            raise ValueError(f"health: port {self.health.port!r} is not among the ports")
        seen = [v.version for v in self.versions]
        if len(seen) != len(set(seen)):
            raise ValueError("versions: a version is listed twice")
        errors = config_errors(self.config_schema, self.config_defaults)
        if errors:
            raise ValueError(f"config_defaults: {errors[0][1]}")
        return self

    def version(self, version: str) -> Version | None:
        """The release ``version`` of this service, if the catalogue has it."""
        return next((v for v in self.versions if v.version == version), None)


def config_errors(schema: Mapping[str, Any], value: Any) -> list[tuple[str, str]]:
    """(path, message) for each way ``value`` fails ``schema`` (empty when it conforms)."""
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    found = []
    for error in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(p) for p in error.absolute_path)
        found.append((path, error.message))
    return found


@dataclass(frozen=True)
class Catalog:
    """Every service, by name, with dependencies known to exist. A dependency cycle is
    not refused here: deploying a service caught in one is (:class:`CycleError`)."""

    services: Mapping[str, Service]

    def get(self, name: str) -> Service | None:
        """The service ``name``, if catalogued."""
        return self.services.get(name)

    def closure(self, names: Iterable[str]) -> list[str]:
        """``names`` and everything they depend on, dependencies first (or CycleError)."""
        return dependency_order({n: self.services[n].dependencies for n in self.services}, names)


class CycleError(ValueError):
    """Dependencies form a cycle; ``cycle`` lists it."""

    def __init__(self, cycle: list[str]) -> None:
        super().__init__(" -> ".join(cycle))
        self.cycle = cycle


def dependency_order(graph: Mapping[str, Iterable[str]], names: Iterable[str]) -> list[str]:
    """``names`` and their transitive dependencies in ``graph``, each after what it needs
    (depth-first, stable by name); raises :class:`CycleError` on a cycle."""
    ordered: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            raise CycleError([*path[path.index(name):], name])
        state[name] = "visiting"
        for dependency in sorted(graph.get(name, ())):
            visit(dependency, [*path, name])
        state[name] = "done"
        ordered.append(name)

    for name in sorted(names):
        visit(name, [])
    return ordered


# --- loading -------------------------------------------------------------------------


def _line_of(node: yaml.Node, loc: tuple[Any, ...]) -> int:
    """The 1-based line of the YAML node at ``loc`` (the deepest one that exists)."""
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            child = node.value[key]
        else:
            child = None
        if child is None:
            break
        node = child
    return node.start_mark.line + 1


def _read(path: Path) -> tuple[dict[str, Any], yaml.Node]:
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise CatalogError(f"{path}:{line}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or node is None:
        raise CatalogError(f"{path}:1: a catalogue file is a mapping")
    return data, node


def _validate(path: Path, data: dict[str, Any], node: yaml.Node) -> Service:
    try:
        service = Service.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        where = ".".join(str(p) for p in loc) or "file"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise CatalogError(f"{path}:{_line_of(node, loc)}: {where}: {message}") from None
    return service


def _with_paths(path: Path, node: yaml.Node, versions: Iterable[Version], at: str) -> list[Version]:
    located = []
    for index, version in enumerate(versions):
        artifact = (path.parent / version.artifact).resolve()
        if not artifact.is_file():
            line = _line_of(node, (at, index, "artifact"))
            raise CatalogError(f"{path}:{line}: {at}.{index}.artifact: no file {artifact}")
        located.append(version.model_copy(update={"path": artifact}))
    return located


def load(directories: Iterable[Path]) -> Catalog:
    """Read and validate every ``*.yaml`` of ``directories`` (in order) into a catalogue."""
    services: dict[str, Service] = {}
    extensions: list[tuple[Path, yaml.Node, dict[str, Any]]] = []
    for directory in directories:
        for path in sorted(Path(directory).glob("*.yaml")):
            data, node = _read(path)
            if "extends" in data:
                extensions.append((path, node, data))
                continue
            service = _validate(path, data, node)
            if service.name in services:
                raise CatalogError(f"{path}:{_line_of(node, ('name',))}: name: "
                                   f"service {service.name!r} is defined twice")
            versions = _with_paths(path, node, service.versions, "versions")
            services[service.name] = service.model_copy(update={"versions": tuple(versions)})
    for path, node, data in extensions:
        services[str(data["extends"])] = _extend(path, node, data, services)
    _check_graph(services)
    return Catalog(services=services)


def _extend(
    path: Path, node: yaml.Node, data: dict[str, Any], services: Mapping[str, Service]
) -> Service:
    base = services.get(str(data["extends"]))
    if base is None or set(data) - {"extends", "versions"}:
        raise CatalogError(f"{path}:1: extends: names a catalogued service and adds versions only")
    merged = base.model_dump(exclude={"versions"}) | {
        "versions": [*(v.model_dump() for v in base.versions), *data.get("versions", [])]
    }
    service = _validate(path, merged, node)
    added = _with_paths(path, node, service.versions[len(base.versions):], "versions")
    return service.model_copy(update={"versions": (*base.versions, *added)})


def _check_graph(services: Mapping[str, Service]) -> None:
    for service in services.values():
        for dependency in service.dependencies:
            if dependency not in services:
                raise CatalogError(f"{service.name}: dependencies: unknown service {dependency!r}")


def catalog_directories() -> list[Path]:
    """The shipped catalogue, then the directories named by ``SOCLE_APPS_CATALOG``."""
    extra = [Path(p) for p in os.environ.get(CATALOG_ENV, "").split(os.pathsep) if p]
    return [SHIPPED, *extra]


@cache
def _cached(directories: tuple[Path, ...]) -> Catalog:
    return load(directories)


def current() -> Catalog:
    """The catalogue in use (loaded once per set of directories)."""
    return _cached(tuple(catalog_directories()))
