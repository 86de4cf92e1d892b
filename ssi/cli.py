"""``socle ssi``: the regional security officer's commands. Each part adds a sub-app."""

from __future__ import annotations

import typer

from ssi import cli_frameworks

app = typer.Typer(
    help="SSI plane: frameworks, diagnostic flash campaigns, EBIOS RM studies, HN/CaRE.",
    no_args_is_help=True,
)
app.add_typer(cli_frameworks.app, name="frameworks")
