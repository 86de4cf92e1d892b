"""``socle <plane>``: each plane's CLI is imported only when a command line uses it.

Importing a plane's CLI imports the plane (models, schemas, job kinds): most of the
start-up time of ``socle``. The root group therefore holds, for each plane, a summary
(its name and one-line help, ``plugins.PLANE_CLI_HELP``) that is enough for
``socle --help`` and for completing ``socle <TAB>``; resolving ``socle <plane> ...``
(running it, its ``--help``, completing inside it) replaces the summary with the plane's
real group, built as ``add_typer`` would have built it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from controlplane import plugins

if TYPE_CHECKING:
    from typer._click import Command, Context  # Typer's own copy of Click


class PlaneSummary(TyperGroup):
    """Stands for a plane's group in listings until the plane is imported."""


class LazyPlanesGroup(TyperGroup):
    """The ``socle`` root group: the control plane's commands, then one summary per plane."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for plane, summary in plugins.PLANE_CLI_HELP.items():
            self.commands.setdefault(plane, PlaneSummary(name=plane, help=summary))

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        """Resolve ``args[0]`` as usual, importing the plane it names first."""
        if args and isinstance(self.commands.get(args[0]), PlaneSummary):
            self._mount(args[0])
        return super().resolve_command(ctx, args)

    def _mount(self, plane: str) -> None:
        """Replace the plane's summary by its CLI (dropped if the plane has none yet)."""
        plane_app = plugins.plane_cli(plane)
        if plane_app is None:
            del self.commands[plane]
            return
        holder = typer.Typer(
            rich_markup_mode=self.rich_markup_mode, suggest_commands=self.suggest_commands
        )
        holder.add_typer(plane_app, name=plane)
        self.commands[plane] = typer.main.get_group(holder).commands[plane]
