"""The made-up plane's API (none: its console page is what the tests look at)."""

from fastapi import APIRouter

router = APIRouter()
