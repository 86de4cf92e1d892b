"""Which hosts the technical checks may connect to: public addresses only.

The checks measure an establishment's *Internet* exposure, and their results (open
ports, TLS certificates, SSH banners) are shown to the establishment that declared the
endpoint. Connecting from Socle's host to a loopback, private, link-local... address
would let an establishment scan the GCS's own network and read the answers (SSRF). So
an endpoint must be a public address, or a name resolving *only* to public addresses:
:func:`vet` is called when an endpoint is declared (a 422 then) and again just before
every check, after resolving the name (it may have been re-pointed since: DNS
rebinding); the check then connects to the vetted address, never to the name again.

A GCS may deliberately allow non-public networks (its DMZ; loopback for the tests and
the demo's peers) with ``SOCLE_SSI_CHECKS_ALLOW_PRIVATE_TARGETS`` (comma-separated
CIDRs). Unspecified (``0.0.0.0``, ``::``: "this host") and multicast addresses are never
allowed. Refusals name the category of the address but never repeat the address a name
resolved to, so that refusals do not reveal Socle's view of DNS.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Sequence

from controlplane.settings import get_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_SHARED = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598, carrier-grade NAT
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix

# category -> (English, for the API's 422; French, for the finding shown to the RSSI)
CATEGORIES: dict[str, tuple[str, str]] = {
    "unspecified": ("an unspecified address", "une adresse non spécifiée"),
    "multicast": ("a multicast address", "une adresse multicast"),
    "loopback": ("a loopback address", "une adresse de bouclage (loopback)"),
    "link-local": ("a link-local address", "une adresse lien-local"),
    "private": ("a private or special-purpose address",
                "une adresse privée ou à usage spécial"),
    "reserved": ("a reserved address", "une adresse réservée"),
    "shared": ("a shared (carrier-grade NAT) address", "une adresse partagée (CGNAT)"),
    "not-global": ("an address not routable on the Internet",
                   "une adresse non routable sur Internet"),
    "6to4": ("a 6to4 address embedding a non-public IPv4 address",
             "une adresse 6to4 contenant une adresse IPv4 non publique"),
    "teredo": ("a Teredo address embedding a non-public IPv4 address",
               "une adresse Teredo contenant une adresse IPv4 non publique"),
    "nat64": ("a NAT64 address embedding a non-public IPv4 address",
              "une adresse NAT64 contenant une adresse IPv4 non publique"),
}
PUBLIC_ONLY = "must be a public address or a name resolving only to public addresses"


class Refused(Exception):
    """``host`` may not be checked: it is (or resolves to) a non-public address, or it
    does not resolve (``category`` is then ``None``)."""

    def __init__(self, host: str, category: str | None, *, resolved: bool) -> None:
        self.host, self.category = host, category
        self.resolved = resolved  # host is a name, not an address literal
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """In English, for the API and the CLI."""
        if self.category is None:
            return f"{self.host} does not resolve"
        english = CATEGORIES[self.category][0]
        verb = "resolves to" if self.resolved else "is"
        return f"{PUBLIC_ONLY}; {self.host} {verb} {english}"

    @property
    def finding(self) -> str:
        """In French, for the check result."""
        if self.category is None:
            return f"le nom {self.host} ne se résout pas : contrôle impossible"
        french = CATEGORIES[self.category][1]
        verb = "se résout en" if self.resolved else "est"
        return (f"cible refusée, aucune connexion tentée : {self.host} {verb} {french} ; "
                "seules les adresses publiques sont contrôlées")


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """The networks of a comma-separated list of CIDRs (a bare address is a /32 or /128)."""
    return tuple(ipaddress.ip_network(item.strip()) for item in text.split(",")
                 if item.strip())


def allowed_networks() -> tuple[IPNetwork, ...]:
    """The non-public networks this GCS allows (``SOCLE_SSI_CHECKS_ALLOW_PRIVATE_TARGETS``)."""
    return parse_networks(get_settings().ssi_checks_allow_private_targets)


def _canonical(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:a.b.c.d is a.b.c.d on the wire
    return address


def _category(address: IPAddress) -> str | None:
    """Why ``address`` is not public (its category), or ``None`` when it is."""
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            kind, ipv4 = embedded
            if _category(ipv4) is not None:
                return kind
            if kind == "nat64":  # a public IPv4 address behind the NAT64 prefix is public
                return None
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if address in _SHARED:
        return "shared"
    if not address.is_global:
        return "not-global"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    if address.sixtofour is not None:
        return "6to4", address.sixtofour
    if address.teredo is not None:
        return "teredo", address.teredo[1]
    if address in _NAT64:
        return "nat64", ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    return None


def refusal(address: IPAddress, allowed: Iterable[IPNetwork] = ()) -> str | None:
    """The category that makes ``address`` uncheckable, or ``None`` when it may be
    checked: public, or in one of the ``allowed`` networks (but never unspecified nor
    multicast)."""
    address = _canonical(address)
    if address.is_unspecified:
        return "unspecified"
    if address.is_multicast:
        return "multicast"
    if any(address.version == net.version and address in net for net in allowed):
        return None
    return _category(address)


def is_literal(host: str) -> bool:
    """Whether ``host`` is an IP address (not a name)."""
    return _literal(host) is not None


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def resolve(host: str) -> list[IPAddress]:
    """The addresses ``host`` resolves to (TCP), in the resolver's order of preference,
    without duplicates; raises :class:`OSError` when it does not resolve."""
    found: list[IPAddress] = []
    for *_, sockaddr in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM):
        address = ipaddress.ip_address(str(sockaddr[0]))
        if address not in found:
            found.append(address)
    if not found:
        raise OSError(f"{host} resolves to no address")
    return found


def vet(host: str, allowed: Sequence[IPNetwork] = (), *, unresolved_ok: bool = False
        ) -> list[IPAddress]:
    """The addresses of ``host`` the checks may connect to: all of them, or
    :class:`Refused` if any is not public (nor allowed). A name that does not resolve is
    refused too, unless ``unresolved_ok`` (then the answer is empty): an endpoint may be
    declared before its DNS record exists, the check will vet it again."""
    literal = _literal(host)
    if literal is not None:
        category = refusal(literal, allowed)
        if category is not None:
            raise Refused(host, category, resolved=False)
        return [_canonical(literal)]
    try:
        addresses = resolve(host)
    except (OSError, UnicodeError):
        if unresolved_ok:
            return []
        raise Refused(host, None, resolved=True) from None
    for address in addresses:
        category = refusal(address, allowed)
        if category is not None:
            raise Refused(host, category, resolved=True)
    return [_canonical(address) for address in addresses]
