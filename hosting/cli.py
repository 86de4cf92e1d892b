"""``socle hosting``: each feature's commands, mounted on the plane's Typer app.

The commands call the same service functions as the API, with the CLI's full scope,
audited as the local user.
"""

from __future__ import annotations

import typer

from hosting.archive import cli as archive_cli
from hosting.backup import cli as backup_cli
from hosting.catalogue import cli as catalogue_cli
from hosting.dr import cli as dr_cli
from hosting.providers import cli as providers_cli
from hosting.pulumi import cli as pulumi_cli
from hosting.subscriptions import cli as subscriptions_cli

app = typer.Typer(help="Hosting plane: HDS providers, catalogue, requests.", no_args_is_help=True)
app.add_typer(providers_cli.app)  # provider
app.add_typer(catalogue_cli.app)  # offer
app.add_typer(subscriptions_cli.app)  # request, subscription, quota
app.add_typer(archive_cli.app, name="archive")
app.command("pulumi")(pulumi_cli.export)
app.add_typer(backup_cli.app, name="backup")
app.add_typer(dr_cli.app, name="dr")
