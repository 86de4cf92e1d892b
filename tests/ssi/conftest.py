"""SSI test fixtures: the technical checks' allow-list of non-public networks.

By default the checks refuse every non-public address (``SOCLE_SSI_CHECKS_ALLOW_PRIVATE_
TARGETS`` empty), and tests keep that default unless they ask: the test peers (TLS
server, sshd) listen on loopback, so the tests checking them allow loopback explicitly.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from controlplane.settings import Settings, get_settings

LOOPBACK = "127.0.0.0/8,::1/128"

AllowPrivateTargets = Callable[[str], None]


@pytest.fixture
def allow_private_targets(settings: Settings, monkeypatch: pytest.MonkeyPatch
                          ) -> AllowPrivateTargets:
    """Set ``SOCLE_SSI_CHECKS_ALLOW_PRIVATE_TARGETS`` for the rest of the test."""

    def allow(networks: str) -> None:
        monkeypatch.setenv("SOCLE_SSI_CHECKS_ALLOW_PRIVATE_TARGETS", networks)
        get_settings.cache_clear()

    return allow


@pytest.fixture
def loopback_targets(allow_private_targets: AllowPrivateTargets) -> None:
    """The checks may connect to loopback (where the test peers listen)."""
    allow_private_targets(LOOPBACK)
