"""``socle network``: each feature's commands, mounted on the plane's Typer app.

The commands call the same service functions as the API, with the CLI's full scope,
audited as the local user.
"""

from __future__ import annotations

import typer

from network.config import cli as config_cli
from network.inventory import cli as inventory_cli
from network.ipam import cli as ipam_cli
from network.polling import cli as polling_cli
from network.sla import cli as sla_cli

app = typer.Typer(help="Network plane: inventory and IP/VPN plan.", no_args_is_help=True)
app.add_typer(inventory_cli.app)  # provider, site, device, circuit, maintenance
app.add_typer(ipam_cli.app)  # vrf, pool, prefix
config_cli.register(app)  # plan, apply, drift, migrate, backup
app.add_typer(sla_cli.app, name="sla")  # report (JSON or a document), breaches, contracts
app.add_typer(polling_cli.app, name="poll")
