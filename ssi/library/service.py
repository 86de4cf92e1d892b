"""The SSI plane's process-wide frameworks library, loaded once at start.

Other modules of the plane (campaigns, risk studies, the HN/CaRE tracker, the PSSI)
call :func:`library` to get the :class:`~ssi.library.FrameworkLibrary`: the files
shipped in ``ssi/library/frameworks/`` plus the operator's own versions under
``<SOCLE_DATA_DIR>/frameworks/`` (read when that directory exists). The API loads it
when the application starts, so a bad file stops the start with its path and line.
An operator who adds a version restarts Socle (or calls :func:`reload_library`).
"""

from __future__ import annotations

import threading
from pathlib import Path

from controlplane.settings import Settings, get_settings
from ssi.library import FrameworkLibrary, load_library

OPERATOR_SUBDIR = "frameworks"

_lock = threading.Lock()
_loaded: dict[Path | None, FrameworkLibrary] = {}


def operator_dir(settings: Settings | None = None) -> Path:
    """Where operators put their own framework versions: ``<SOCLE_DATA_DIR>/frameworks``."""
    return (settings or get_settings()).data_dir / OPERATOR_SUBDIR


def library(settings: Settings | None = None) -> FrameworkLibrary:
    """The frameworks library (shipped files + the operator's directory when it exists),
    read on first use and kept; raises :class:`~ssi.library.FrameworkLibraryError`
    listing every bad file and line."""
    extra = _extra_dir(settings)
    with _lock:
        if extra not in _loaded:
            _loaded[extra] = load_library(extra)
        return _loaded[extra]


def reload_library(settings: Settings | None = None) -> FrameworkLibrary:
    """Read the library again (after an operator added or corrected a version)."""
    extra = _extra_dir(settings)
    fresh = load_library(extra)
    with _lock:
        _loaded[extra] = fresh
    return fresh


def _extra_dir(settings: Settings | None) -> Path | None:
    directory = operator_dir(settings)
    return directory.resolve() if directory.is_dir() else None
