"""``socle apps enrol|update-enrolment|unenrol``: enrolments.
"""

from __future__ import annotations

import json
from typing import Any

import typer

from apps.catalogue.cli import JSON
from apps.enrolments import service as enrolments
from apps.enrolments.models import Enrolment
from apps.enrolments.schemas import EnrolmentCreate, EnrolmentRead, EnrolmentUpdate
from apps.errors import store
from controlplane.cli.common import (
    emit_item,
    handle_errors,
    local_actor,
    transaction,
)

app = typer.Typer()



def _settings(pairs: list[str]) -> dict[str, str]:
    for pair in pairs:
        if "=" not in pair:
            raise typer.BadParameter(f"{pair!r}: give KEY=VALUE", param_hint="--setting")
    return dict(pair.split("=", 1) for pair in pairs)


def _per_service(pairs: list[str], option: str, *, parse: bool = True) -> dict[str, Any]:
    """``SERVICE.KEY=VALUE`` pairs as ``{service: {key: value}}``."""
    found: dict[str, dict[str, Any]] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        service, dot, key = name.partition(".")
        if not (sep and dot and service and key):
            raise typer.BadParameter(f"{pair!r}: give SERVICE.KEY=VALUE", param_hint=option)
        found.setdefault(service, {})[key] = _json_or_text(value) if parse else value
    return found


def _json_or_text(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


@app.command("enrol")
@handle_errors
def enrol(tenant: str, service: str,
          setting: list[str] = typer.Option([], help="KEY=VALUE, repeatable."),
          as_json: bool = JSON) -> None:
    """Enrol an establishment (FINESS) in a service with its settings."""
    with transaction() as db:
        item = EnrolmentRead.model_validate(enrolments.enrol(
            db, EnrolmentCreate(tenant=tenant, service=service, settings=_settings(setting)),
            actor=local_actor()))
    emit_item(item, as_json)


@app.command("update-enrolment")
@handle_errors
def update_enrolment(enrolment_id: int,
                     setting: list[str] = typer.Option([], help="KEY=VALUE, repeatable."),
                     as_json: bool = JSON) -> None:
    """Replace an enrolment's settings (all of them: give every KEY=VALUE it keeps)."""
    with transaction() as db:
        enrolment = store.get(db, Enrolment, enrolment_id)
        item = EnrolmentRead.model_validate(enrolments.update_enrolment(
            db, enrolment, EnrolmentUpdate(settings=_settings(setting)), actor=local_actor()))
    emit_item(item, as_json)


@app.command("unenrol")
@handle_errors
def unenrol(enrolment_id: int) -> None:
    """End an establishment's use of a service (by enrolment id)."""
    with transaction() as db:
        enrolments.delete_enrolment(db, store.get(db, Enrolment, enrolment_id),
                                 actor=local_actor())
    typer.echo(f"enrolment {enrolment_id} removed")
