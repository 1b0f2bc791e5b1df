"""TLS for the server: the SSL context, channel-binding data, and a TLS layer over memory BIOs.

TLS runs inside our own transport (ssl.SSLObject over MemoryBIOs) rather than asyncio's
start_tls: PostgreSQL 17's direct TLS starts with a ClientHello that the server has already
read while looking at the first byte, and only an in-process TLS layer can be handed those
bytes. The SSLRequest upgrade uses the same layer.
"""

from __future__ import annotations

import hashlib
import ssl
from dataclasses import dataclass
from pathlib import Path

ALPN = "postgresql"


@dataclass(slots=True)
class TLSConfig:
    context: ssl.SSLContext
    channel_binding: bytes  # tls-server-end-point: hash of our certificate (RFC 5929)

    @classmethod
    def load(cls, cert: str, key: str, ca: str | None = None) -> TLSConfig:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert, key)
        context.set_alpn_protocols([ALPN])
        if ca is not None:
            context.load_verify_locations(ca)
            context.verify_mode = ssl.CERT_OPTIONAL  # client certificates checked if sent
        return cls(context, end_point_hash(Path(cert).read_text()))


def end_point_hash(cert_pem: str) -> bytes:
    """tls-server-end-point data: the certificate hashed with its signature's hash algorithm,
    SHA-256 when that is MD5 or SHA-1 (RFC 5929 section 4.1)."""
    der = ssl.PEM_cert_to_DER_cert(cert_pem)
    algorithm = "sha256"
    try:
        from cryptography import x509

        hash_algorithm = x509.load_der_x509_certificate(der).signature_hash_algorithm
        if hash_algorithm is not None and hash_algorithm.name not in ("md5", "sha1"):
            algorithm = hash_algorithm.name
    except ImportError:  # without cryptography, assume the usual sha256-signed certificate
        pass
    return hashlib.new(algorithm, der).digest()


class TLSLayer:
    """Encrypts what the session writes and decrypts what the socket reads."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self.ssl = context.wrap_bio(self._incoming, self._outgoing, server_side=True)
        self.handshake_done = False

    def receive(self, data: bytes) -> tuple[bytes, bytes]:
        """Ciphertext in; (plaintext for the session, bytes to send the peer) out.

        Raises ssl.SSLError when the peer's TLS is broken.
        """
        self._incoming.write(data)
        plain: list[bytes] = []
        if not self.handshake_done:
            try:
                self.ssl.do_handshake()
            except ssl.SSLWantReadError:
                return b"", self._outgoing.read()
            self.handshake_done = True
        while True:
            try:
                chunk = self.ssl.read(65536)
            except (ssl.SSLWantReadError, ssl.SSLZeroReturnError):
                break
            if not chunk:
                break
            plain.append(chunk)
        return b"".join(plain), self._outgoing.read()

    def send(self, data: bytes) -> bytes:
        """Plaintext in, ciphertext out."""
        self.ssl.write(data)
        return self._outgoing.read()

    @property
    def alpn(self) -> str | None:
        return self.ssl.selected_alpn_protocol()
