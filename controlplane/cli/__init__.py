"""The ``socle`` command line (Typer + Rich)."""
