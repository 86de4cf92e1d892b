"""Evidence the SSI plane measures itself (``controlplane.evidence`` convention): the
technical checks of establishments' Internet-facing endpoints."""

from ssi.checks.evidence import BATCHED, COLLECTORS

__all__ = ["BATCHED", "COLLECTORS"]
