"""Every secret a router prints is masked before Socle stores, diffs, plans or returns its
configuration: one realistic running configuration per dialect (IOS, EOS, Junos) holding
each form, read through the configuration driver, backed up, then grepped for in the
database, the API answers (an establishment's token included) and the logs.

A secret Socle does not know becomes ``<<secret:unknown>>`` whatever its value (no hash
of it is kept: see :mod:`network.config.configdiff`), so drift sees a secret Socle manages
change, and a secret line appear or go, but not a new value of a secret it does not know.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import network
from controlplane.db import Database, Scope
from network import secrets
from network.config import configdiff, intent, render
from network.config.configdiff import eos, ios, junos
from network.config.models import ConfigBackup
from network.config.reconcile import device_config
from network.drivers.ssh_types import Login
from network.inventory.platforms import Platform
from network.inventory.schemas import DeviceCreate, SiteCreate
from network.ipam.schemas import PrefixAllocate
from tests.conftest import TenantFactory, TokenFactory
from tests.network.region import (
    ACTOR,
    PASSWORD_VARIABLE,
    SNMP_AUTH,
    SNMP_PRIV,
    Region,
    configure_environment,
)
from tests.network.test_config_api import _everything_stored, run_job
from tests.network.test_configdiff import CIRCUIT, DEVICE

NET = "/api/v1/network"
KNOWN = secrets.Secrets({secrets.SNMP_AUTH: SNMP_AUTH, secrets.SNMP_PRIV: SNMP_PRIV})

# Secret values, each a distinctive string that must appear nowhere Socle writes.
IOS_SECRETS = (
    "$9$nhEmQVczB7dqsO$X.HsgL6x1il0RxkOSSvyQYwucySCt7qFm4v7pqCxkKM",  # enable secret 9
    "0822455D0A16",  # enable password 7 (reversible)
    "$9$2MJBozw/9R3UsU$2pclwSzjaFtWiyuo",  # username secret 9
    "NocPlain#2026",  # username password 0
    "094F471A1A0A464058",  # username password 7
    "045802150C2E1D1C5A", "ChainPlain2026",  # key chain key-strings
    "13061E010803557878", "RadPlainKey",  # tacacs-server key, radius-server key
    "104D000A0618", "Radius Plain 99",  # tacacs server / radius server key (with spaces)
    "0508571C22431F5B4A",  # server-private key
    "IsakmpPlain#1", "KeyringPlain#2", "Ikev2Local#3", "Ikev2RemoteAES",
    "110A1016141D", "00071A150754", "HsrpKey7777",  # OSPF, HSRP
    "0830495D1D", "PapPlain55", "WifiPlain#2026",  # PPP CHAP/PAP, WPA PSK
    "1511021F0725", "BgpPlainPwd",  # BGP neighbour passwords
    "Pr1v4teRW", "PubL1cRO", "TrapComm2c", "TrapCommV1",  # SNMP communities
    "OldAuthKey1", "Rogue-Priv-77",  # SNMPv3 keys Socle did not set
    "NtpPlainKey", "FtpPass123", "071B245F5A", "ConsolePlain",
)
IOS_BLOCK = """\
enable secret 9 $9$nhEmQVczB7dqsO$X.HsgL6x1il0RxkOSSvyQYwucySCt7qFm4v7pqCxkKM
enable password 7 0822455D0A16
username admin privilege 15 secret 9 $9$2MJBozw/9R3UsU$2pclwSzjaFtWiyuo
username noc password 0 NocPlain#2026
username ops privilege 15 password 7 094F471A1A0A464058
!
key chain OSPF-KEYS
 key 1
  key-string 7 045802150C2E1D1C5A
 key 2
  key-string ChainPlain2026
!
tacacs-server key 7 13061E010803557878
radius-server key RadPlainKey
tacacs server ISE-1
 address ipv4 192.0.2.50
 key 7 104D000A0618
radius server ISE-2
 address ipv4 192.0.2.51 auth-port 1812 acct-port 1813
 key Radius Plain 99
aaa group server tacacs+ TAC
 server-private 192.0.2.52 key 7 0508571C22431F5B4A
!
crypto isakmp key IsakmpPlain#1 address 203.0.113.1
crypto keyring KR
 pre-shared-key address 203.0.113.2 key KeyringPlain#2
crypto ikev2 keyring IKEV2
 peer P1
  address 203.0.113.3
  pre-shared-key local Ikev2Local#3
  pre-shared-key remote 6 Ikev2RemoteAES
!
interface GigabitEthernet0/3
 ip ospf authentication-key 7 110A1016141D
 ip ospf message-digest-key 1 md5 7 00071A150754
 standby 1 authentication md5 key-string 7 HsrpKey7777
interface Serial0/0
 ppp chap password 7 0830495D1D
 ppp pap sent-username ce01 password 0 PapPlain55
dot11 ssid HOPITAL
 wpa-psk ascii 0 WifiPlain#2026
!
router bgp 65999
 neighbor 192.0.2.1 password 7 1511021F0725
 neighbor 192.0.2.5 password BgpPlainPwd
!
snmp-server community Pr1v4teRW RW
snmp-server community PubL1cRO RO 10
snmp-server host 192.0.2.10 version 2c TrapComm2c
snmp-server host 192.0.2.11 TrapCommV1 udp-port 162
snmp-server host 192.0.2.12 version 3 priv socle-mon
snmp-server user old SOCLE-MON v3 auth md5 OldAuthKey1 priv des Rogue-Priv-77
ntp authentication-key 1 md5 NtpPlainKey 7
archive
 path ftp://backup:FtpPass123@192.0.2.99/ce01
line con 0
 password ConsolePlain
line vty 0 4
 password 7 071B245F5A
!
"""
EOS_SECRETS = (
    "$6$RootSalt$RootHashXyZ", "$6$AdminSalt$AdminHashAbC", "EosPlain#2026",
    "$6$EnSalt$EnHashQrS", "070C285F4D06", "0207165218120E", "EosRadiusKey",
    "Pr1v4teRW", "TrapComm2c", "0x7a3f9e", "0x11bb02", "0605002F1D4B",
    "AqQvJgHp6K0=", "Zm9vYmFyYmF6", "bn9XzYoY5RmwG5bJT0x+Ww==",
)
EOS_BLOCK = """\
aaa root secret sha512 $6$RootSalt$RootHashXyZ
!
username admin privilege 15 role network-admin secret sha512 $6$AdminSalt$AdminHashAbC
username noc secret 0 EosPlain#2026
enable password sha512 $6$EnSalt$EnHashQrS
!
tacacs-server host 192.0.2.50 vrf MGMT key 7 070C285F4D06
radius-server host 192.0.2.51 key 7 0207165218120E
radius-server key EosRadiusKey
!
snmp-server community Pr1v4teRW rw SNMP-ACL
snmp-server host 192.0.2.10 vrf MGMT version 2c TrapComm2c
snmp-server user old SOCLE-MON v3 localized 800000c8 auth sha 0x7a3f9e priv aes 0x11bb02
ntp authentication-key 1 md5 7 0605002F1D4B
!
interface Ethernet3
   ip ospf authentication-key 7 AqQvJgHp6K0=
   isis authentication key 7 Zm9vYmFyYmF6
!
router bgp 65999
   neighbor 192.0.2.1 password 7 bn9XzYoY5RmwG5bJT0x+Ww==
!
management security
   password minimum length 8
!
"""
JUNOS_SECRETS = (
    "$6$Xk3j$AbCdEfGhIjKlMnOp", "$6$Yy7u$QrStUvWxYz012345", "$9$TacPlusSecret9z",
    "$9$RadiusSecret9q", "$9$NtpKeyValue9x", "ScpPass77", "$9$ArchPass9k",
    "$9$VrrpKey9a", "Pr1v4teRW", "$9$CommName9c", "$9$UsmAuth9u", "$9$BgpGroup9g",
    "PlainBgpKey", "$9$OspfMd5Key9o", "$9$OspfSimple9s", "$9$IsisHello9h",
    "$9$IkeAscii9i", "$9$IkeHex9x", "$9$KeyChain9k",
)
JUNOS_BLOCK = """\
set system root-authentication encrypted-password "$6$Xk3j$AbCdEfGhIjKlMnOp"
set system login user noc uid 2001
set system login user noc class super-user
set system login user noc authentication encrypted-password "$6$Yy7u$QrStUvWxYz012345"
set system tacplus-server 192.0.2.50 secret "$9$TacPlusSecret9z"
set system radius-server 192.0.2.51 secret "$9$RadiusSecret9q"
set system ntp authentication-key 1 type md5 value "$9$NtpKeyValue9x"
set system archival configuration archive-sites "scp://backup:ScpPass77@192.0.2.99/x" \
password "$9$ArchPass9k"
set interfaces ge-0/0/3 unit 0 family inet address 10.9.0.1/30 vrrp-group 1 \
authentication-key "$9$VrrpKey9a"
set snmp community Pr1v4teRW authorization read-write
set snmp community Pr1v4teRW clients 192.0.2.0/24
set snmp v3 snmp-community idx1 community-name "$9$CommName9c"
set snmp v3 usm local-engine user old authentication-sha authentication-key "$9$UsmAuth9u"
set protocols bgp group PE authentication-key "$9$BgpGroup9g"
set protocols bgp group PE neighbor 192.0.2.1 authentication-key PlainBgpKey
set protocols ospf area 0.0.0.0 interface ge-0/0/3.0 authentication md5 1 key "$9$OspfMd5Key9o"
set protocols ospf area 0.0.0.0 interface ge-0/0/4.0 authentication simple-password \
"$9$OspfSimple9s"
set protocols isis interface ge-0/0/3.0 level 2 hello-authentication-key "$9$IsisHello9h"
set security ike policy IKE-POL pre-shared-key ascii-text "$9$IkeAscii9i"
set security ike policy IKE-POL2 pre-shared-key hexadecimal "$9$IkeHex9x"
set security authentication-key-chains key-chain KC key 1 secret "$9$KeyChain9k"
""".replace("\\\n", "")

DIALECTS = {  # platform: (secret lines, the secrets in them, interfaces, header)
    "cisco_ios": (IOS_BLOCK, IOS_SECRETS, ("GigabitEthernet0/1", "GigabitEthernet0/2"),
                  "Building configuration...\n\nCurrent configuration : 9999 bytes\n!\n"),
    "arista_eos": (EOS_BLOCK, EOS_SECRETS, ("Ethernet1", "Ethernet2"),
                   "! Command: show running-config\n! device: x (vEOS-lab, EOS-4.30.1F)\n!\n"),
    "juniper_junos": (JUNOS_BLOCK, JUNOS_SECRETS, ("ge-0/0/1", "ge-0/0/2"),
                      "## Last commit: 2026-01-12 10:00:00 UTC by noc\n"),
}


def running(platform: str, intended: str, *, extra: str | None = None) -> str:
    """What the router shows: its secret lines, then the intent as pushed (keys revealed)."""
    block, _secrets, _interfaces, header = DIALECTS[platform]
    return header + (block if extra is None else extra) + KNOWN.reveal(intended)


def rendered(platform: str) -> tuple[str, configdiff.Scope]:
    interfaces = DIALECTS[platform][2]
    device = dataclasses.replace(
        DEVICE, platform=Platform(platform), lan_interface=interfaces[1],
        circuits=(dataclasses.replace(CIRCUIT, interface=interfaces[0]),))
    context = render.build_context(device)
    return render.render(context), configdiff.Scope(tuple(context.owned_interfaces))


# -- pure: masking and comparing ------------------------------------------------------------


@pytest.mark.parametrize("platform", list(DIALECTS))
def test_every_secret_form_is_masked_and_masking_is_stable(platform: str) -> None:
    text, _scope = rendered(platform)
    shown = running(platform, text)
    masked = configdiff.mask(platform, shown, KNOWN)
    for secret in DIALECTS[platform][1]:
        assert secret not in masked, secret
    assert SNMP_AUTH not in masked and secrets.placeholder(secrets.SNMP_AUTH) in masked
    assert masked.count(secrets.UNKNOWN) >= len(DIALECTS[platform][1]) - 2
    assert configdiff.mask(platform, masked, KNOWN) == masked  # idempotent
    assert configdiff.mask(platform, shown, KNOWN) == masked  # the same text every time


def test_what_is_not_a_secret_is_left_as_it_is() -> None:
    for platform in DIALECTS:  # the templates hold placeholders only: unchanged
        text, _scope = rendered(platform)
        module = {"cisco_ios": ios, "arista_eos": eos, "juniper_junos": junos}[platform]
        assert module.mask(text) == ios.strip_header(text).rstrip("\n"), platform
    kept = [
        "snmp-server host 192.0.2.12 version 3 priv socle-mon",
        "snmp-server group SOCLE-MON v3 priv read SOCLE-RO access SOCLE-MGMT",
        "key chain OSPF-KEYS\n key 1",
        "service password-encryption",
        "management security\n   password minimum length 8",
        "interface Gi0/1\n ip rip authentication key-chain OSPF-KEYS",
    ]
    for text in kept:
        assert ios.mask(text) == text
    junos_kept = ("set policy-options community SOCLE-T-GFU members target:65010:100\n"
                  "set system authentication-order password\n"
                  "set system login password minimum-length 8")
    assert junos.mask(junos_kept) == junos_kept


@pytest.mark.parametrize("platform", list(DIALECTS))
def test_a_changed_secret_socle_manages_is_drift_one_it_does_not_know_is_not(
    platform: str,
) -> None:
    text, scope = rendered(platform)
    pushed = running(platform, text, extra="")  # as Socle left it: the SNMPv3 keys it set
    assert configdiff.compare(platform, configdiff.mask(platform, pushed, KNOWN), text, scope,
                              name="ce-1").in_sync

    rogue = "Rotated-Key-4c1d"  # someone changed the key on the router
    changed = configdiff.mask(platform, pushed.replace(SNMP_AUTH, rogue), KNOWN)
    found = configdiff.compare(platform, changed, text, scope, name="ce-1")
    assert not found.in_sync and rogue not in found.diff and secrets.UNKNOWN in found.diff
    assert secrets.placeholder(secrets.SNMP_AUTH) in found.diff
    assert found.lines and not any(secrets.UNKNOWN in line for line in found.lines)

    # A new value of a secret Socle does not know masks to the same text: not visible.
    block, values = DIALECTS[platform][:2]
    before = configdiff.mask(platform, running(platform, text), KNOWN)
    after = configdiff.mask(platform, running(
        platform, text, extra=block.replace(values[-1], "Another-Value-1")), KNOWN)
    assert before == after


def test_ios_removes_owned_secret_lines_without_repeating_them() -> None:
    text, scope = rendered("cisco_ios")
    masked = configdiff.mask("cisco_ios", running("cisco_ios", text), KNOWN)
    found = configdiff.compare("cisco_ios", masked, text, scope, name="ce-1")
    lines = list(found.lines)
    at = lines.index("line vty 0 4")  # Socle owns the vty lines and the SNMP ones
    assert lines[at + 1] == " no password"
    assert "no snmp-server user old SOCLE-MON v3" in lines
    assert "no snmp-server community <<secret:unknown>> RW" in lines  # refused at push
    for secret in IOS_SECRETS:
        assert secret not in found.diff and not any(secret in line for line in lines)


@pytest.mark.parametrize("platform", list(DIALECTS))
def test_a_secret_written_in_clear_in_the_intent_is_compared_masked(platform: str) -> None:
    text, scope = rendered(platform)
    if platform == "juniper_junos":
        clear = text + "set snmp community Cl34rInT3mpl4te authorization read-only\n"
    else:
        clear = text.replace("snmp-server view", "snmp-server community Cl34rInT3mpl4te RO\n"
                             "snmp-server view", 1)
    device = configdiff.mask(platform, running(platform, text), KNOWN)
    found = configdiff.compare(platform, device, clear, scope, name="ce-1")
    assert "Cl34rInT3mpl4te" not in found.diff + "".join(found.lines + found.missing)
    same = configdiff.mask(platform, running(platform, clear), KNOWN)
    assert "Cl34rInT3mpl4te" not in same
    both = configdiff.compare(platform, same, clear, scope, name="ce-1")
    assert "Cl34rInT3mpl4te" not in both.diff + "".join(both.lines)
    assert not any("community" in line for line in both.missing)  # both sides masked alike


# -- through the driver, the backups and the API --------------------------------------------


class ShownConfigs:
    """A configuration driver whose routers show the given running configurations."""

    def __init__(self) -> None:
        self.configs: dict[str, str] = {}

    @contextmanager
    def open(self, login: Login, *, timeout: float) -> Iterator[Any]:
        config = self.configs[login.endpoint.name]
        yield SimpleNamespace(running_config=lambda: config, discard=lambda: None)


@pytest.fixture(name="shown")
def shown_fixture(monkeypatch: pytest.MonkeyPatch) -> ShownConfigs:
    driver = ShownConfigs()
    monkeypatch.setattr(device_config, "driver", driver)
    return driver


@pytest.fixture(name="region")
def region_fixture(settings: Any, database: Database, make_tenant: TenantFactory,
                   monkeypatch: pytest.MonkeyPatch) -> Region:
    configure_environment(monkeypatch, SimpleNamespace(password="R0uter-Login-Pw"))  # type: ignore[arg-type]
    return Region(database, None, make_tenant()).setup()  # type: ignore[arg-type]


def add_ce(region: Region, name: str, platform: str, index: int) -> tuple[int, str]:
    """A CE of ``platform`` with its circuit; its id and rendered intent."""
    interfaces = DIALECTS[platform][2]
    with region.database.transaction(scope=Scope.unrestricted()) as db:
        site = network.create_site(db, SiteCreate(
            tenant=region.tenant.finess, code=f"SITE-{name.upper()}", name=f"Site {name}",
            address="1 rue de la Santé", access="MPLS"), actor=ACTOR)
        device = network.create_device(db, DeviceCreate(
            hostname=name, role="CE", platform=platform, site=site.code,
            mgmt_address=f"198.18.0.{index}", mgmt_port=22, username="noc",
            credential_ref=f"env:{PASSWORD_VARIABLE}", asn=65100 + index,
            lan_interface=interfaces[1]), actor=ACTOR)
        network.allocate(db, region.lan_pool, PrefixAllocate(length=24, site=site.code),
                         actor=ACTOR)
    region.sites[name] = site.code
    region.add_circuit(name, access="MPLS", interface=interfaces[0], status="active")
    with region.database.transaction(scope=Scope.unrestricted()) as db:
        text = intent.intents(db, hostnames=[name])[name].text
    assert text is not None
    return device.id, text


def back_up(client: TestClient, region: Region, headers: dict[str, str]) -> dict:
    done = run_job(client, region.database, client.post(f"{NET}/backups", headers=headers),
                   headers)
    assert done["state"] == "succeeded", done["error"]
    return done


def test_no_secret_form_reaches_the_database_the_api_or_the_logs(
    region: Region, client: TestClient, auth: TokenFactory, shown: ShownConfigs,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    engineer = auth("network-engineer")
    establishment = auth("establishment", region.tenant)
    ids = {}
    for index, platform in enumerate(DIALECTS, start=1):
        name = f"ce0{index}"
        ids[platform], text = add_ce(region, name, platform, index)
        shown.configs[name] = running(platform, text)
    answers: list[Any] = [back_up(client, region, engineer)]
    for device_id in ids.values():
        for headers in (establishment, engineer):  # the CE's owner, the engineers
            config = client.get(f"{NET}/devices/{device_id}/config", headers=headers)
            assert config.status_code == 200, config.text
            content = config.json()["backup"]["content"]
            assert secrets.UNKNOWN in content
            assert secrets.placeholder(secrets.SNMP_AUTH) in content
            answers.append(config.json())
        assert config.json()["status"] == "drifted"  # the owned secret lines are extra
        assert secrets.UNKNOWN in config.json()["diff"]
    drift = client.get(f"{NET}/drift", params={"include_compliant": True}, headers=engineer)
    answers.append(drift.json())
    planned = client.post(f"{NET}/plan", json={}, headers=engineer)
    assert planned.status_code == 201, planned.text
    answers.append(planned.json())
    answers.append(client.get(f"{NET}/plans/{planned.json()['plan_id']}",
                              headers=engineer).json())

    ours = [r.getMessage() for r in caplog.records]
    written = "\n".join([_everything_stored(region.database), repr(answers), *ours])
    for platform, (_block, values, _interfaces, _header) in DIALECTS.items():
        for secret in values:
            assert secret not in written, (platform, secret)
    for secret in (SNMP_AUTH, SNMP_PRIV, "R0uter-Login-Pw"):
        assert secret not in written


def test_drift_flags_a_changed_managed_secret_and_a_new_secret_line(
    region: Region, client: TestClient, auth: TokenFactory, shown: ShownConfigs,
) -> None:
    headers = auth("network-engineer")
    device_id, text = add_ce(region, "ce01", "cisco_ios", 1)
    unowned = IOS_BLOCK.split("router bgp")[0]  # users, enable, key chains...: not Socle's
    shown.configs["ce01"] = running("cisco_ios", text, extra=unowned)
    back_up(client, region, headers)

    def status() -> dict:
        return client.get(f"{NET}/devices/{device_id}/config", headers=headers).json()

    assert status()["status"] == "compliant"

    rogue = "Rotated-Key-4c1d"  # the SNMPv3 key Socle set was changed on the router
    shown.configs["ce01"] = running("cisco_ios", text, extra=unowned).replace(SNMP_AUTH, rogue)
    back_up(client, region, headers)
    changed = status()
    assert changed["status"] == "drifted" and rogue not in repr(changed)
    assert f"-snmp-server user socle-mon SOCLE-MON v3 auth sha {secrets.UNKNOWN}" \
        in changed["diff"]
    assert "+snmp-server user socle-mon SOCLE-MON v3 auth sha <<secret:snmp-auth>>" \
        in changed["diff"]

    shown.configs["ce01"] = running("cisco_ios", text, extra=unowned
                                    + "snmp-server community Pr1v4teRW RW\n")
    back_up(client, region, headers)
    added = status()
    assert added["status"] == "drifted" and "Pr1v4teRW" not in repr(added)
    assert f"-snmp-server community {secrets.UNKNOWN} RW" in added["diff"]

    # Another value of a secret Socle does not know: the same masked backup, no new version.
    shown.configs["ce01"] = running("cisco_ios", text, extra=unowned.replace(
        "NocPlain#2026", "NocRotated#2027") + "snmp-server community Pr1v4teRW RW\n")
    back_up(client, region, headers)
    with region.database.transaction(scope=Scope.unrestricted()) as db:
        versions: Sequence[ConfigBackup] = db.scalars(
            select(ConfigBackup).where(ConfigBackup.device_id == device_id)).all()
        assert [v.source for v in versions] == ["scheduled"] * 3
