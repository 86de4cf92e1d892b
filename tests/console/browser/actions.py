"""What a person does in the console, as Playwright steps."""

from __future__ import annotations

from typing import Any


def sign_in(page: Any, base: str, token: str) -> None:
    """Sign in through the form and land on the overview."""
    page.goto(f"{base}/console/login")
    page.get_by_label("Jeton d’accès").fill(token)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/console/")
