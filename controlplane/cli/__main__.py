"""``python -m controlplane.cli`` runs the ``socle`` CLI."""

from controlplane.cli.main import main

main()
