"""The IP/VPN plan: prefix pools and the prefixes allocated from them (IPv4, IPv6), and
VRFs with their RD/RT and the hub-and-spoke policy between them."""
