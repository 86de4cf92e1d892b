"""Damaged restic packs, for the ``corrupt-pack`` fault of the simulated providers.

A restic repository stores its data in *pack* files under ``data/``, each named by the
SHA-256 of its content. :func:`damage` rewrites one pack with a few bytes flipped in its
middle (inside a blob: what bit rot on a provider's disk leaves), keeping the original
in a file; :func:`restore` writes the original back, refusing bytes whose SHA-256 is not
the pack's name. On a bucket under Object Lock both are new versions of the object (the
lock forbids removing one); restic reads the current version only. ``s3`` is a boto3 S3
client of the provider.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

DAMAGED_BYTES = 64
_KEPT = "original.pack"


def biggest_pack(s3: Any, bucket: str, repository_prefix: str) -> str | None:
    """The key of the largest pack of the repository under ``repository_prefix`` (a data
    pack, not one of trees; ties broken by key), or None when it has none."""
    found: list[tuple[int, str]] = []
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=f"{repository_prefix.rstrip('/')}/data/")
    for page in pages:
        found += [(item["Size"], item["Key"]) for item in page.get("Contents", ())]
    return max(found)[1] if found else None


def flipped(body: bytes) -> bytes:
    """``body`` with :data:`DAMAGED_BYTES` bytes inverted in its middle."""
    damaged = bytearray(body)
    start = max(len(body) // 2 - DAMAGED_BYTES // 2, 0)
    for index in range(start, min(start + DAMAGED_BYTES, len(body))):
        damaged[index] ^= 0xFF
    return bytes(damaged)


def _pack_id(key: str) -> str:
    return key.rpartition("/")[2]


def damage(s3: Any, bucket: str, key: str, folder: Path) -> None:
    """Keep the pack's bytes in ``folder`` (owner only), then store them damaged."""
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    kept = folder / _KEPT
    fd = os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(body)
        handle.flush()
        os.fsync(handle.fileno())
    s3.put_object(Bucket=bucket, Key=key, Body=flipped(body))


def restore(s3: Any, bucket: str, key: str, folder: Path) -> None:
    """Write the kept original of the pack back (:class:`ValueError` when the kept bytes
    are missing and the stored ones are not intact, or are not that pack's)."""
    kept = folder / _KEPT
    if not kept.exists():
        stored = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        if hashlib.sha256(stored).hexdigest() != _pack_id(key):
            raise ValueError(f"pack {key} is damaged and its original was not kept")
        return
    body = kept.read_bytes()
    if hashlib.sha256(body).hexdigest() != _pack_id(key):
        raise ValueError(f"the bytes kept for pack {key} are not that pack's")
    s3.put_object(Bucket=bucket, Key=key, Body=body)
