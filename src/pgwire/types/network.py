"""inet and cidr, from the ipaddress module's objects (or str).

Text follows PostgreSQL: inet omits the prefix length when it covers the whole address
('1.2.3.4', '10.0.0.0/8'), cidr always shows it. IPv6 addresses with an embedded IPv4 address
print in dotted form ('::ffff:1.2.3.4'), as PostgreSQL's inet_net_ntop does. Decoders follow
psycopg: inet → IPv4Address/IPv6Address without a prefix, IPv4Interface/IPv6Interface with
one; cidr → IPv4Network/IPv6Network.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from pgwire.types import oids
from pgwire.types._util import invalid_binary, invalid_input
from pgwire.types.registry import TypeInfo, TypeRegistry, registry

_Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_Interface = ipaddress.IPv4Interface | ipaddress.IPv6Interface
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Wire family codes: PGSQL_AF_INET = AF_INET (2), PGSQL_AF_INET6 = AF_INET + 1.
_AF_INET = 2
_AF_INET6 = 3


def _address_text(address: _Address) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        packed = address.packed
        # IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d, not :: or ::1).
        if packed[:10] == bytes(10) and (
            packed[10:12] == b"\xff\xff" or (packed[10:12] == b"\0\0" and packed[12:14] != b"\0\0")
        ):
            v4 = ipaddress.IPv4Address(packed[12:])
            return f"::ffff:{v4}" if packed[10:12] == b"\xff\xff" else f"::{v4}"
    return str(address)


def _parts(value: Any) -> tuple[_Address, int]:
    """(address, prefix length) of any ipaddress object or PostgreSQL text."""
    # Interfaces first: IPv4Interface is a subclass of IPv4Address.
    if isinstance(value, ipaddress.IPv4Interface | ipaddress.IPv6Interface):
        return value.ip, value.network.prefixlen
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return value, value.max_prefixlen
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
        return value.network_address, value.prefixlen
    text = value.decode() if isinstance(value, bytes) else str(value)
    interface = ipaddress.ip_interface(text.strip())
    return interface.ip, interface.network.prefixlen


def inet_text_encode(value: Any) -> bytes:
    if isinstance(value, str | bytes):
        return value.encode() if isinstance(value, str) else value
    address, prefix = _parts(value)
    text = _address_text(address)
    return (text if prefix == address.max_prefixlen else f"{text}/{prefix}").encode()


def cidr_text_encode(value: Any) -> bytes:
    if isinstance(value, str | bytes):
        return value.encode() if isinstance(value, str) else value
    address, prefix = _parts(value)
    return f"{_address_text(address)}/{prefix}".encode()


def inet_text_decode(data: bytes) -> _Address | _Interface:
    text = data.decode(errors="replace").strip()
    try:
        if "/" in text:
            return ipaddress.ip_interface(text)
        return ipaddress.ip_address(text)
    except ValueError:
        raise invalid_input("inet", data) from None


def cidr_text_decode(data: bytes) -> _Network:
    text = data.decode(errors="replace").strip()
    try:
        return ipaddress.ip_network(text)
    except ValueError:
        raise invalid_input("cidr", data) from None


def _binary_encoder(is_cidr: bool) -> Any:
    def encode(value: Any) -> bytes:
        address, prefix = _parts(value)
        family = _AF_INET if address.version == 4 else _AF_INET6
        packed = address.packed
        return bytes((family, prefix, is_cidr, len(packed))) + packed

    return encode


inet_binary_encode = _binary_encoder(False)
cidr_binary_encode = _binary_encoder(True)


def _binary_parts(data: bytes, type_name: str) -> tuple[_Address, int]:
    if len(data) < 4 or data[0] not in (_AF_INET, _AF_INET6) or len(data) != 4 + data[3]:
        raise invalid_binary(type_name)
    address = ipaddress.ip_address(bytes(data[4:]))
    return address, data[1]


def inet_binary_decode(data: bytes) -> _Address | _Interface:
    address, prefix = _binary_parts(data, "inet")
    if prefix == address.max_prefixlen:
        return address
    return ipaddress.ip_interface(f"{address}/{prefix}")


def cidr_binary_decode(data: bytes) -> _Network:
    address, prefix = _binary_parts(data, "cidr")
    return ipaddress.ip_network(f"{address}/{prefix}")


def register(reg: TypeRegistry) -> None:
    reg.register(
        TypeInfo(
            oids.INET,
            "inet",
            -1,
            array_oid=oids.INET_ARRAY,
            text_encode=inet_text_encode,
            text_decode=inet_text_decode,
            binary_encode=inet_binary_encode,
            binary_decode=inet_binary_decode,
        )
    )
    reg.register(
        TypeInfo(
            oids.CIDR,
            "cidr",
            -1,
            array_oid=oids.CIDR_ARRAY,
            text_encode=cidr_text_encode,
            text_decode=cidr_text_decode,
            binary_encode=cidr_binary_encode,
            binary_decode=cidr_binary_decode,
        )
    )


register(registry)
