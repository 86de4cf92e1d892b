"""The service catalogue: the shipped services load and their artifacts match their
checksums; a bad file is refused naming its file and line; dependency order and cycles."""

from __future__ import annotations

from pathlib import Path

import pytest

from apps.catalogue import service as catalogue
from apps.catalogue.service import CatalogError, CycleError, dependency_order

SEVEN = {"identity", "directory", "registry", "messaging", "coordination", "telemedicine", "lab"}


def test_the_shipped_catalogue_has_the_seven_services_with_sound_artifacts() -> None:
    shipped = catalogue.load([catalogue.SHIPPED])
    assert set(shipped.services) == SEVEN
    for service in shipped.services.values():
        assert service.versions and service.description and service.ports
        for version in service.versions:
            assert version.artifact_checksum() == version.sha256, (service.name, version)
    assert set(shipped.services["messaging"].dependencies) == {"directory", "identity"}
    assert set(shipped.services["coordination"].dependencies) == {
        "identity", "directory", "registry"}
    assert shipped.services["telemedicine"].network_access == "THD"
    order = shipped.closure(SEVEN)
    for name in SEVEN:
        for dependency in shipped.services[name].dependencies:
            assert order.index(dependency) < order.index(name)


def _write(directory: Path, name: str, text: str) -> None:
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(text)


def test_a_bad_file_is_refused_with_its_file_and_line(tmp_path: Path) -> None:
    source = (catalogue.SHIPPED / "identity.yaml").read_text()
    broken = source.replace("ports: {http: 8081}", "ports: {http: 99999}")
    _write(tmp_path / "catalog", "identity.yaml", broken)
    (tmp_path / "artifacts").mkdir()
    (tmp_path / "artifacts" / "http-service-1.py").write_bytes(
        (catalogue.SHIPPED.parent / "artifacts" / "http-service-1.py").read_bytes())
    line = broken.splitlines().index("ports: {http: 99999}") + 1
    with pytest.raises(CatalogError, match=rf"identity.yaml:{line}: ports: .*1..65535"):
        catalogue.load([tmp_path / "catalog"])

    wrong_schema = source.replace("enum: [debug, info, warning, error]", "enum: 7")
    _write(tmp_path / "catalog", "identity.yaml", wrong_schema)
    with pytest.raises(CatalogError, match=r"identity.yaml:\d+: config_schema: not a JSON Schema"):
        catalogue.load([tmp_path / "catalog"])

    _write(tmp_path / "catalog", "identity.yaml", source.replace("../artifacts/", "../nowhere/"))
    with pytest.raises(CatalogError, match=r"identity.yaml:\d+: versions.0.artifact: no file"):
        catalogue.load([tmp_path / "catalog"])

    _write(tmp_path / "catalog", "identity.yaml", "name: [unclosed")
    with pytest.raises(CatalogError, match=r"identity.yaml:\d+: not valid YAML"):
        catalogue.load([tmp_path / "catalog"])


def test_dependency_order_and_cycles() -> None:
    graph = {"a": ["b", "c"], "b": ["c"], "c": [], "x": ["y"], "y": ["x"]}
    assert dependency_order(graph, ["a"]) == ["c", "b", "a"]
    with pytest.raises(CycleError) as caught:
        dependency_order(graph, ["x"])
    assert caught.value.cycle == ["x", "y", "x"]


def test_the_test_catalogue_extends_identity_and_holds_a_cycle(
    test_catalog: catalogue.Catalog,
) -> None:
    assert [v.version for v in test_catalog.services["identity"].versions] == [
        "1.0.0", "1.1.0", "1.2.0", "1.3.0"]
    with pytest.raises(CycleError):
        test_catalog.closure(["alpha"])
