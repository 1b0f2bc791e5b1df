"""Authentication exchanges as pure step objects: messages in, messages out, no I/O.

    auth = start_exchange("scram-sha-256", user, secret, channel_binding=None)
    reply = auth.first()                # the request to send (None for trust)
    while not auth.done:
        reply = auth.step(client_message)   # raises PgError on failure

Failures look the same whether the user is unknown or the password wrong: the exchange runs
to its end and fails there with 28P01, so a client cannot probe for user names.
"""

from __future__ import annotations

import secrets

from pgwire import sqlstate
from pgwire.auth import password as pw
from pgwire.auth import scram
from pgwire.errors import PgError
from pgwire.protocol import messages as m


def auth_failed(user: str, method: str) -> PgError:
    kind = "password" if method in ("password", "md5", "scram-sha-256") else method
    return PgError(
        f'{kind} authentication failed for user "{user}"',
        sqlstate.INVALID_PASSWORD,
        severity="FATAL",
    )


class Exchange:
    """One authentication attempt. Subclasses implement `first` and `step`."""

    method = "trust"

    def __init__(self, user: str, secret: str | None) -> None:
        self.user = user
        self.secret = secret
        self.done = False

    def first(self) -> m.Message | None:
        self.done = True
        return None

    def step(self, message: m.Message) -> m.Message | None:
        raise PgError("unexpected authentication message", sqlstate.PROTOCOL_VIOLATION)

    def fail(self) -> PgError:
        return auth_failed(self.user, self.method)


class CleartextExchange(Exchange):
    method = "password"

    def first(self) -> m.Message:
        return m.AuthenticationCleartextPassword()

    def step(self, message: m.Message) -> None:
        if not isinstance(message, m.PasswordMessage):
            raise PgError("expected password response", sqlstate.PROTOCOL_VIOLATION)
        ok = (
            self.secret is not None
            and message.password != ""
            and pw.check_cleartext(self.secret, self.user, message.password)
        )
        if not ok:
            raise self.fail()
        self.done = True


class MD5Exchange(Exchange):
    method = "md5"

    def __init__(self, user: str, secret: str | None) -> None:
        super().__init__(user, secret)
        self.salt = secrets.token_bytes(4)

    def first(self) -> m.Message:
        return m.AuthenticationMD5Password(self.salt)

    def step(self, message: m.Message) -> None:
        if not isinstance(message, m.PasswordMessage):
            raise PgError("expected password response", sqlstate.PROTOCOL_VIOLATION)
        ok = self.secret is not None and pw.check_md5_response(
            self.secret, self.user, self.salt, message.password
        )
        if not ok:
            raise self.fail()
        self.done = True


class ScramExchange(Exchange):
    method = "scram-sha-256"

    def __init__(
        self,
        user: str,
        secret: str | None,
        *,
        channel_binding: bytes | None,
        iterations: int,
        server_secret: bytes,
    ) -> None:
        super().__init__(user, secret)
        stored: scram.ScramSecret | None = None
        if secret is not None:
            stored = scram.ScramSecret.parse(secret)
            if stored is None and not pw.is_md5_secret(secret):
                # A plain password: derive a verifier with a salt stable for this user.
                salt = scram.mock_salt(server_secret, user)
                stored = scram.ScramSecret.from_password(secret, salt, iterations)
        self.channel_binding = channel_binding
        self._scram = scram.ScramExchange(
            stored,
            channel_binding=channel_binding,
            mock_salt=scram.mock_salt(server_secret, user),
            iterations=iterations,
        )
        self._state = "initial"

    def first(self) -> m.Message:
        mechanisms = [scram.MECHANISM]
        if self.channel_binding is not None:
            mechanisms.insert(0, scram.MECHANISM_PLUS)
        return m.AuthenticationSASL(mechanisms)

    def step(self, message: m.Message) -> m.Message:
        try:
            if self._state == "initial":
                if not isinstance(message, m.SASLInitialResponse):
                    raise PgError("expected SASL response", sqlstate.PROTOCOL_VIOLATION)
                offered = (scram.MECHANISM_PLUS, scram.MECHANISM)
                if message.mechanism not in offered or (
                    message.mechanism == scram.MECHANISM_PLUS and self.channel_binding is None
                ):
                    raise PgError(
                        "client selected an invalid SASL authentication mechanism",
                        sqlstate.PROTOCOL_VIOLATION,
                        severity="FATAL",
                    )
                self._state = "continue"
                return m.AuthenticationSASLContinue(
                    self._scram.client_first(message.mechanism, message.data or b"")
                )
            if not isinstance(message, m.SASLResponse):
                raise PgError("expected SASL response", sqlstate.PROTOCOL_VIOLATION)
            final = self._scram.client_final(message.data)
        except scram.ScramAuthFailed:
            raise self.fail() from None
        except scram.ScramError as exc:
            raise PgError(str(exc), sqlstate.PROTOCOL_VIOLATION, severity="FATAL") from None
        self.done = True
        return m.AuthenticationSASLFinal(final)


def start_exchange(
    method: str,
    user: str,
    secret: str | None,
    *,
    channel_binding: bytes | None = None,
    iterations: int = scram.DEFAULT_ITERATIONS,
    server_secret: bytes = b"",
) -> Exchange:
    """The exchange for a method named as in pg_hba.conf."""
    if method == "trust":
        return Exchange(user, secret)
    if method == "password":
        return CleartextExchange(user, secret)
    if method == "md5" and (secret is None or scram.ScramSecret.parse(secret) is None):
        return MD5Exchange(user, secret)
    if method in ("md5", "scram-sha-256"):
        # md5 with a SCRAM secret upgrades to SCRAM, as in PostgreSQL.
        return ScramExchange(
            user,
            secret,
            channel_binding=channel_binding,
            iterations=iterations,
            server_secret=server_secret,
        )
    raise ValueError(f"unknown authentication method {method!r}")
