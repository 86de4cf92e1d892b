"""``socle ssi``: the regional security officer's commands. Each part adds a sub-app."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="SSI plane: frameworks, diagnostic flash campaigns, EBIOS RM studies, HN/CaRE.",
    no_args_is_help=True,
)
