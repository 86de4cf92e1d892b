"""What the SNMP poller takes (targets, credentials) and returns (samples, failures).

Keys and communities are left out of every repr, so logging a target or a result
never shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class AuthProtocol(StrEnum):
    """SNMPv3 USM authentication protocols."""

    MD5 = "MD5"
    SHA = "SHA"
    SHA224 = "SHA224"
    SHA256 = "SHA256"
    SHA384 = "SHA384"
    SHA512 = "SHA512"


class PrivProtocol(StrEnum):
    """SNMPv3 USM privacy protocols (AES is AES-128 in CFB mode, RFC 3826)."""

    DES = "DES"
    TRIPLE_DES = "3DES"
    AES = "AES"
    AES192 = "AES192"  # Reeder key localization (as Cisco)
    AES256 = "AES256"
    AES192_BLUMENTHAL = "AES192BLMT"  # Blumenthal draft key localization
    AES256_BLUMENTHAL = "AES256BLMT"


@dataclass(frozen=True)
class V2cCredentials:
    """SNMPv2c community."""

    community: str = field(repr=False)


@dataclass(frozen=True)
class V3Credentials:
    """SNMPv3 authPriv user. `engine_id` (hex) is the device's snmpEngineID when known;
    otherwise the poller discovers it once (keys are localized per engine, so devices
    sharing a user name may have different keys)."""

    user: str
    auth_key: str = field(repr=False)
    priv_key: str = field(repr=False)
    auth_protocol: AuthProtocol = AuthProtocol.SHA
    priv_protocol: PrivProtocol = PrivProtocol.AES
    engine_id: str | None = None
    context_name: str = ""


@dataclass(frozen=True)
class SnmpTarget:
    """One device to poll. `device` identifies it (never two polls of one device at once);
    `max_repetitions` should be the expected interface count + 1 so that one GETBULK
    sees the end of the tables (a longer table costs further GETBULKs)."""

    device: str
    host: str
    credentials: V2cCredentials | V3Credentials
    port: int = 161
    timeout: float = 1.0
    retries: int = 1
    max_repetitions: int = 9

    def __str__(self) -> str:
        return f"{self.device} ({self.host}:{self.port})"


@dataclass(frozen=True)
class InterfaceSample:
    """One interface's IF-MIB values; None where the device did not return the column."""

    if_index: int
    oper_status: int | None = None
    hc_in_octets: int | None = None
    hc_out_octets: int | None = None
    in_errors: int | None = None
    out_errors: int | None = None
    in_discards: int | None = None
    out_discards: int | None = None


@dataclass(frozen=True)
class DeviceSample:
    """A successful poll: sysUpTime (hundredths of a second) and the interfaces, taken
    at `taken_at` (epoch seconds, midway between request and last response)."""

    device: str
    taken_at: float
    sys_uptime: int
    interfaces: tuple[InterfaceSample, ...]

    def interface(self, if_index: int) -> InterfaceSample | None:
        """The sample of interface `if_index`, if the device returned it."""
        return next((itf for itf in self.interfaces if itf.if_index == if_index), None)


class UnreachableReason(StrEnum):
    """Why a device gave no usable answer."""

    TIMEOUT = "timeout"  # no answer (also a wrong SNMPv2c community: agents stay silent)
    AUTH = "auth"  # SNMPv3 unknown user, wrong digest, decryption error...
    MALFORMED = "malformed"  # an answer, but not the expected OIDs and types
    ERROR = "error"  # an SNMP error status, or a local failure (e.g. unresolvable host)


@dataclass(frozen=True)
class Unreachable:
    """A failed poll and why; `detail` never holds keys or communities."""

    device: str
    taken_at: float
    reason: UnreachableReason
    detail: str = ""

    def __str__(self) -> str:
        return f"unreachable: {self.reason}" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True)
class Skipped:
    """Not polled: the previous poll of this device is still running."""

    device: str
    taken_at: float


PollResult = DeviceSample | Unreachable | Skipped
