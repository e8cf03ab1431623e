"""Which addresses a partner's webhook may reach: the one owner of that rule.

A partner registers a URL and the service POSTs to it from inside its own network, so a URL is a
way to make the service call anything it can reach (Redis, Rasa, a cloud's metadata service).
The rule, in production:
- the host is written one way only: a name, a dotted-quad IPv4 or an IPv6 literal. Other forms
  that resolvers accept for an IPv4 address (`2130706433`, `127.1`, `0x7f000001`, `0177.0.0.1`)
  and names with a trailing dot (`localhost.`) are refused: they exist to slip past checks;
- every address the name resolves to must be public (not private, loopback, link-local,
  shared (100.64/10), multicast, reserved or unspecified, in IPv4 or IPv6, an IPv4-mapped IPv6
  address judged as the IPv4 it holds), checked at each delivery, not only at registration (a
  name can change what it resolves to: DNS rebinding);
- and the delivery connects to the address that was checked (`pinned`), sending the name as the
  Host header and as TLS's server name, so the certificate is still checked against the name.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

Resolver = Callable[[str, int], Awaitable[list[str]]]

# Only digits, dots and hex or octal markers: a resolver reads it as an IPv4 address.
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*$", re.IGNORECASE)
_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", re.IGNORECASE)
_LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".home.arpa")


class AddressRefused(ValueError):
    """The URL may not be called: the message says why, for the one who registers it."""


def host_problem(host: str) -> str | None:
    """Why a host as written is refused (in production), or None. No lookup is made."""
    if host.endswith("."):
        return "write the name without a trailing dot"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if _NUMERIC_HOST.match(host) or _NUMERIC_HOST.match(host.rsplit(".", 1)[-1]):
            # A last label of digits or hex makes a URL parser read the host as an IPv4 address.
            return "write an IPv4 address as four decimal numbers (a.b.c.d), or use a name"
        if not _NAME.match(host):
            return "the host is not a valid name"
        if host.lower() == "localhost" or host.lower().endswith(_LOCAL_NAMES):
            return "the URL must be a public address, not this machine or a private network"
        return None
    if address.version == 4 and str(address) != host:
        return "write an IPv4 address as four decimal numbers (a.b.c.d), or use a name"
    if not public(address):
        return "the URL must be a public address, not this machine or a private network"
    return None


# Ranges Python's is_global lets through that must not be reached: IPv4 protocol assignments,
# IPv6 forms that carry an IPv4 address a gateway or an old stack may route to (IPv4-compatible,
# IPv4-translated, local-use NAT64) and deprecated site-local addresses.
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(n) for n in ("192.0.0.0/24", "::/96", "::ffff:0:0:0/96", "64:ff9b:1::/48", "fec0::/10")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # a NAT64 gateway reaches the IPv4 address inside


def public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if inner is None and address in _NAT64:
            inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if inner is not None:
            return public(inner)
    if any(address in network for network in _NOT_PUBLIC if network.version == address.version):
        return False
    return address.is_global and not address.is_multicast


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Pinned:
    """A request to a checked address: the URL with the address in place of the name, and what
    keeps the name for HTTP and TLS."""

    url: str
    headers: dict[str, str]
    extensions: dict[str, str]


async def pinned(url: str, resolve: Resolver = system_resolver) -> Pinned:
    """The URL resolved and checked now, to be connected to as it is; AddressRefused if not."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    problem = host_problem(host)
    if problem:
        raise AddressRefused(problem)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = await resolve(host, port)
    except OSError:
        raise AddressRefused("the name does not resolve") from None
    addresses = [ipaddress.ip_address(a.split("%")[0]) for a in found]
    if not addresses:
        raise AddressRefused("the name does not resolve")
    if not all(public(a) for a in addresses):
        raise AddressRefused("the URL must be a public address, not this machine or a private network")
    return pin(url, addresses[0])


def pin(url: str, chosen: ipaddress.IPv4Address | ipaddress.IPv6Address) -> Pinned:
    """The request to `url` sent to the address `chosen` (already checked), the name kept."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = f"[{chosen}]" if chosen.version == 6 else str(chosen)
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    host_header = f"{host}:{parts.port}" if parts.port else host
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    return Pinned(urlunsplit(parts._replace(netloc=netloc)), {"Host": host_header}, extensions)
