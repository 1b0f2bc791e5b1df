"""SCRAM-SHA-256 and SCRAM-SHA-256-PLUS (RFC 5802, RFC 7677) as PostgreSQL speaks them.

Pure functions and one step object, no I/O. Secrets use PostgreSQL's own format, so an
operator can copy them from pg_authid:

    SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>

PostgreSQL's dialect: the user name in client-first-message is ignored (the startup packet
names the user), and the password is SASLprep-normalised when that succeeds, else used as is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import stringprep
import unicodedata
from dataclasses import dataclass

MECHANISM = "SCRAM-SHA-256"
MECHANISM_PLUS = "SCRAM-SHA-256-PLUS"
DEFAULT_ITERATIONS = 4096  # PostgreSQL's scram_iterations default
CHANNEL_BINDING_TYPE = "tls-server-end-point"


class ScramError(Exception):
    """The client's SCRAM messages are malformed (a protocol violation)."""


class ScramAuthFailed(ScramError):
    """Well-formed messages that do not prove the password."""


@dataclass(frozen=True, slots=True)
class ScramSecret:
    iterations: int
    salt: bytes
    stored_key: bytes
    server_key: bytes

    def encode(self) -> str:
        b64 = base64.b64encode
        return (
            f"{MECHANISM}${self.iterations}:{b64(self.salt).decode()}"
            f"${b64(self.stored_key).decode()}:{b64(self.server_key).decode()}"
        )

    @classmethod
    def parse(cls, text: str) -> ScramSecret | None:
        """The secret in `text`, or None when it is not a SCRAM secret."""
        try:
            mechanism, params, keys = text.split("$")
            if mechanism != MECHANISM:
                return None
            iterations, salt = params.split(":")
            stored_key, server_key = keys.split(":")
            secret = cls(
                int(iterations),
                base64.b64decode(salt, validate=True),
                base64.b64decode(stored_key, validate=True),
                base64.b64decode(server_key, validate=True),
            )
        except ValueError:
            return None
        if secret.iterations < 1 or len(secret.stored_key) != 32 or len(secret.server_key) != 32:
            return None
        return secret

    @classmethod
    def from_password(
        cls, password: str, salt: bytes | None = None, iterations: int = DEFAULT_ITERATIONS
    ) -> ScramSecret:
        salt = secrets.token_bytes(16) if salt is None else salt
        salted = hashlib.pbkdf2_hmac("sha256", saslprep(password).encode(), salt, iterations)
        client_key = _hmac(salted, b"Client Key")
        return cls(
            iterations, salt, hashlib.sha256(client_key).digest(), _hmac(salted, b"Server Key")
        )


def _hmac(key: bytes, msg: bytes) -> bytes:
    return hmac.new(key, msg, hashlib.sha256).digest()


# ------------------------------------------------------------------------------- SASLprep


def _prohibited(c: str) -> bool:
    return (
        stringprep.in_table_c12(c)
        or stringprep.in_table_c21_c22(c)
        or stringprep.in_table_c3(c)
        or stringprep.in_table_c4(c)
        or stringprep.in_table_c5(c)
        or stringprep.in_table_c6(c)
        or stringprep.in_table_c7(c)
        or stringprep.in_table_c8(c)
        or stringprep.in_table_c9(c)
    )


def saslprep(password: str) -> str:
    """RFC 4013 SASLprep; like PostgreSQL, the raw password when it cannot be prepared."""
    if password.isascii() and password.isprintable():
        return password  # the common case: nothing to map or forbid
    mapped = "".join(
        " " if stringprep.in_table_c12(c) else c for c in password if not stringprep.in_table_b1(c)
    )
    normal = unicodedata.normalize("NFKC", mapped)
    if not normal:
        return password
    if any(_prohibited(c) or stringprep.in_table_a1(c) for c in normal):
        return password
    rand_al = [stringprep.in_table_d1(c) for c in normal]
    if any(rand_al):
        if any(stringprep.in_table_d2(c) for c in normal):
            return password
        if not (rand_al[0] and rand_al[-1]):
            return password
    return normal


# ------------------------------------------------------------------------------- exchange


def _attributes(message: str) -> list[tuple[str, str]]:
    out = []
    for part in message.split(","):
        if len(part) < 2 or part[1] != "=":
            raise ScramError(f"malformed SCRAM message: {message!r}")
        out.append((part[0], part[2:]))
    return out


class ScramExchange:
    """The server side of one SCRAM exchange: client-first → server-first, final → verify.

    With `secret=None` (an unknown user, or a user without a SCRAM secret) the exchange runs
    to the end with a made-up salt and fails there, so a client cannot tell which users exist.
    """

    def __init__(
        self,
        secret: ScramSecret | None,
        *,
        channel_binding: bytes | None = None,  # tls-server-end-point data on TLS connections
        mock_salt: bytes = b"",
        iterations: int = DEFAULT_ITERATIONS,
        server_nonce: str | None = None,  # tests only: a fixed nonce for known vectors
    ) -> None:
        self.secret = secret or ScramSecret(
            iterations, mock_salt or secrets.token_bytes(16), b"", b""
        )
        self.known = secret is not None
        self.channel_binding = channel_binding
        self._server_nonce = server_nonce
        self._nonce = ""
        self._client_first_bare = ""
        self._server_first = ""
        self._gs2_header = ""
        self._cbind_data = b""

    def client_first(self, mechanism: str, data: bytes) -> bytes:
        """The client-first-message in; the server-first-message out."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ScramError("SCRAM message is not valid UTF-8") from exc
        flag, _, rest = text.partition(",")
        authzid, _, bare = rest.partition(",")
        if authzid:
            raise ScramError("client uses authorization identity, which is not supported")
        if flag.startswith("p="):
            if mechanism != MECHANISM_PLUS:
                raise ScramError("channel binding requested with SCRAM-SHA-256, not -PLUS")
            if flag[2:] != CHANNEL_BINDING_TYPE:
                raise ScramError(f"unsupported SCRAM channel-binding type {flag[2:]!r}")
            if self.channel_binding is None:
                raise ScramError("channel binding requested on a connection without TLS")
            self._cbind_data = self.channel_binding
        elif flag == "y":
            # The client could bind but believes we cannot: over TLS we offered -PLUS, so
            # someone removed it on the way.
            if self.channel_binding is not None:
                raise ScramError("SCRAM channel binding negotiation error")
        elif flag != "n":
            raise ScramError(f"malformed SCRAM message: unexpected GS2 flag {flag!r}")
        if mechanism == MECHANISM_PLUS and not flag.startswith("p="):
            raise ScramError("SCRAM-SHA-256-PLUS selected without channel binding")
        attrs = _attributes(bare)
        if len(attrs) < 2 or attrs[0][0] != "n" or attrs[1][0] != "r":
            raise ScramError("malformed SCRAM client-first-message")
        if attrs[0][0] == "m":
            raise ScramError("SCRAM extensions are not supported")
        client_nonce = attrs[1][1]
        if not client_nonce or not client_nonce.isprintable() or "," in client_nonce:
            raise ScramError("malformed SCRAM nonce")
        self._gs2_header = f"{flag},{authzid},"
        self._client_first_bare = bare
        server_nonce = self._server_nonce or base64.b64encode(secrets.token_bytes(18)).decode()
        self._nonce = client_nonce + server_nonce
        salt = base64.b64encode(self.secret.salt).decode()
        self._server_first = f"r={self._nonce},s={salt},i={self.secret.iterations}"
        return self._server_first.encode()

    def client_final(self, data: bytes) -> bytes:
        """The client-final-message in; the server-final-message out, or ScramError."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ScramError("SCRAM message is not valid UTF-8") from exc
        without_proof, _, proof_part = text.rpartition(",")
        attrs = dict(_attributes(text))
        if not proof_part.startswith("p=") or "c" not in attrs or "r" not in attrs:
            raise ScramError("malformed SCRAM client-final-message")
        expected_c = base64.b64encode(self._gs2_header.encode() + self._cbind_data).decode()
        if not hmac.compare_digest(attrs["c"].encode(), expected_c.encode()):
            raise ScramError("SCRAM channel binding check failed")
        if attrs["r"] != self._nonce:
            raise ScramError("SCRAM nonce mismatch")
        try:
            proof = base64.b64decode(proof_part[2:], validate=True)
        except ValueError as exc:
            raise ScramError("malformed SCRAM proof") from exc
        auth_message = f"{self._client_first_bare},{self._server_first},{without_proof}".encode()
        secret = self.secret
        if not self.known or len(proof) != 32:
            raise ScramAuthFailed("password authentication failed")
        signature = _hmac(secret.stored_key, auth_message)
        client_key = bytes(a ^ b for a, b in zip(proof, signature, strict=True))
        if not hmac.compare_digest(hashlib.sha256(client_key).digest(), secret.stored_key):
            raise ScramAuthFailed("password authentication failed")
        server_signature = _hmac(secret.server_key, auth_message)
        return b"v=" + base64.b64encode(server_signature)


def mock_salt(server_secret: bytes, user: str) -> bytes:
    """A stable fake salt per unknown user, so repeated probes look like a real account."""
    return hmac.new(server_secret, user.encode(), hashlib.sha256).digest()[:16]
