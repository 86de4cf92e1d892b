"""``socle apps``: each feature's commands, mounted on the plane's Typer app."""

from __future__ import annotations

import typer

from apps.catalogue import cli as catalogue_cli
from apps.deployments import cli as deployments_cli
from apps.enrolments import cli as enrolments_cli
from apps.targets import cli as targets_cli

app = typer.Typer(help="Regional application services: catalogue, deployments, drift.",
                  no_args_is_help=True)
app.add_typer(catalogue_cli.app)  # services
app.add_typer(targets_cli.app)  # targets, add-target, update-target, remove-target
app.add_typer(enrolments_cli.app)  # enrol, update-enrolment, unenrol
app.add_typer(deployments_cli.app)  # deployments, instances, deploy
