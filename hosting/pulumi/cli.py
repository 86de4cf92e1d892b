"""``socle hosting pulumi SUBSCRIPTION``: print (or write) the subscription's Pulumi program."""

from __future__ import annotations

from pathlib import Path

import typer

from controlplane.cli.common import console, handle_errors, transaction
from hosting.errors import store
from hosting.pulumi import service as pulumi_export
from hosting.subscriptions.models import Subscription


@handle_errors
def export(
    subscription_id: int,
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file."),
) -> None:
    """Export a subscription's resources as a Pulumi program (Python, pulumi_aws)."""
    with transaction(write=False) as db:
        text = pulumi_export.export(db, store.get(db, Subscription, subscription_id))
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text)
    console.print(f"Pulumi program of subscription {subscription_id} written to {output}")
