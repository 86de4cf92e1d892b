"""Comparing a router's running configuration with its intent: pure functions.

For each platform: the part of the configuration Socle owns (:class:`Scope`: its
sections, its named objects, the interfaces it configures), the lines missing or in
excess there, a unified diff for people, and the minimal lines to push (removals as
``no ...`` on IOS and EOS, ``delete ...`` on Junos, then additions). Lines outside the scope
(the management interface, local users...) are never touched. With
``Scope(everything=True)`` the whole configuration is compared: that is how a router is
restored to a configuration saved before a push.

Secrets are masked before anything is compared or stored (:func:`mask`): a known secret
becomes its placeholder, any other value in a secret field becomes ``<<secret:unknown>>``
(every form each platform prints: local users, enable, SNMP communities and v3 keys, key
chains, TACACS+/RADIUS keys, BGP/OSPF/IS-IS authentication, IKE pre-shared keys...).
:func:`compare` masks both sides again, the intended text too: a secret written in clear
in a template is compared, diffed and planned masked, never shown (and never pushed: the
push refuses ``<<secret:unknown>>``).

The mask of an unknown secret is the same whatever the value: no hash of it is kept,
since a low-entropy password or a type-7 string hashed without a key Socle holds is
brute-forced offline by anyone who reads the backups. So a secret Socle manages (a
placeholder in the intent) that changes on the device is drift (its placeholder becomes
``<<secret:unknown>>``), and so is a secret line added or removed; a new value of a secret
Socle does not know is not visible (the masked line, and the backup, stay the same).
"""

from __future__ import annotations

from types import ModuleType

from network.config.configdiff import eos, ios, junos
from network.config.configdiff.base import ConfigDiff, Scope
from network.secrets import Secrets

__all__ = ["ConfigDiff", "Scope", "compare", "mask"]

_PLATFORMS: dict[str, ModuleType] = {"cisco_ios": ios, "juniper_junos": junos, "arista_eos": eos}


def _module(platform: str) -> ModuleType:
    try:
        return _PLATFORMS[platform]
    except KeyError:
        raise ValueError(f"no configuration comparison for platform {platform}") from None


def compare(platform: str, running: str, intended: str, scope: Scope, *, name: str) -> ConfigDiff:
    """What separates ``running`` from ``intended`` on the part ``scope`` owns, both
    masked the same way (placeholders kept, any other secret ``<<secret:unknown>>``)."""
    module = _module(platform)
    return module.compare(  # type: ignore[no-any-return]
        module.mask(running), module.mask(intended), scope, name=name
    )


def mask(platform: str, text: str, secrets: Secrets) -> str:
    """``text`` as a device shows it, secrets masked and banner removed: safe to store."""
    return _module(platform).mask(secrets.mask(text))  # type: ignore[no-any-return]
