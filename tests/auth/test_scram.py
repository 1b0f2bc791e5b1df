"""SCRAM-SHA-256 against RFC 7677's vector and a verifier made by PostgreSQL 15 itself."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from pgwire.auth import scram
from pgwire.auth.exchange import start_exchange
from pgwire.errors import PgError
from pgwire.protocol import messages as m
from tests.support.postgres import TempPostgres

# RFC 7677, section 3.
SALT = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO"
SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
CLIENT_FINAL = (
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
)
SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="


def rfc_exchange(secret: scram.ScramSecret | None) -> scram.ScramExchange:
    return scram.ScramExchange(secret, server_nonce=SERVER_NONCE)


def test_rfc7677_vector() -> None:
    secret = scram.ScramSecret.from_password("pencil", SALT, 4096)
    exchange = rfc_exchange(secret)
    first = exchange.client_first(scram.MECHANISM, f"n,,n=user,r={CLIENT_NONCE}".encode())
    assert first.decode() == f"r={CLIENT_NONCE}{SERVER_NONCE},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
    assert exchange.client_final(CLIENT_FINAL.encode()).decode() == SERVER_FINAL


def test_wrong_proof_fails() -> None:
    secret = scram.ScramSecret.from_password("not pencil", SALT, 4096)
    exchange = rfc_exchange(secret)
    exchange.client_first(scram.MECHANISM, f"n,,n=user,r={CLIENT_NONCE}".encode())
    with pytest.raises(scram.ScramAuthFailed):
        exchange.client_final(CLIENT_FINAL.encode())


def test_unknown_user_runs_to_the_end_then_fails() -> None:
    exchange = rfc_exchange(None)
    first = exchange.client_first(scram.MECHANISM, f"n,,n=,r={CLIENT_NONCE}".encode())
    assert b",s=" in first and b",i=4096" in first  # indistinguishable from a real user
    with pytest.raises(scram.ScramAuthFailed):
        exchange.client_final(CLIENT_FINAL.encode())


@pytest.mark.parametrize(
    "client_first",
    [
        b"x,,n=,r=abc",  # unknown GS2 flag
        b"n,a=someone,n=,r=abc",  # authorization identity
        b"n,,r=abc",  # no user attribute
        b"p=tls-unique,,n=,r=abc",  # not our binding type
        b"\xff\xfe",
    ],
)
def test_malformed_client_first(client_first: bytes) -> None:
    exchange = scram.ScramExchange(scram.ScramSecret.from_password("x"), channel_binding=b"h")
    with pytest.raises(scram.ScramError):
        exchange.client_first(scram.MECHANISM_PLUS, client_first)


def test_y_flag_over_tls_is_a_downgrade() -> None:
    exchange = scram.ScramExchange(scram.ScramSecret.from_password("x"), channel_binding=b"h")
    with pytest.raises(scram.ScramError, match="negotiation"):
        exchange.client_first(scram.MECHANISM, b"y,,n=,r=abc")


def client_proof(password: str, secret: scram.ScramSecret, auth_message: bytes) -> bytes:
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), secret.salt, secret.iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored = hashlib.sha256(client_key).digest()
    signature = hmac.new(stored, auth_message, hashlib.sha256).digest()
    return bytes(a ^ b for a, b in zip(client_key, signature, strict=True))


def run_client(exchange: scram.ScramExchange, password: str, gs2: str, cbind: bytes) -> bytes:
    bare = "n=,r=clientnonce"
    mechanism = scram.MECHANISM_PLUS if gs2.startswith("p=") else scram.MECHANISM
    server_first = exchange.client_first(mechanism, f"{gs2}{bare}".encode()).decode()
    nonce = server_first.split(",")[0][2:]
    c = base64.b64encode(gs2.encode() + cbind).decode()
    without_proof = f"c={c},r={nonce}"
    auth_message = f"{bare},{server_first},{without_proof}".encode()
    proof = base64.b64encode(client_proof(password, exchange.secret, auth_message)).decode()
    return exchange.client_final(f"{without_proof},p={proof}".encode())


def test_channel_binding_plus() -> None:
    secret = scram.ScramSecret.from_password("pw")
    binding = hashlib.sha256(b"certificate").digest()
    gs2 = "p=tls-server-end-point,,"
    ok = scram.ScramExchange(secret, channel_binding=binding)
    assert run_client(ok, "pw", gs2, binding).startswith(b"v=")
    wrong = scram.ScramExchange(secret, channel_binding=binding)
    with pytest.raises(scram.ScramError, match="channel binding"):
        run_client(wrong, "pw", gs2, b"another certificate hash")


def test_secret_round_trip_and_parse_rejects() -> None:
    secret = scram.ScramSecret.from_password("pw", b"0123456789abcdef", 100)
    assert scram.ScramSecret.parse(secret.encode()) == secret
    for bad in ("md5abc", "SCRAM-SHA-256$x:y$z:w", "SCRAM-SHA-256$4096:AAAA$AAAA:AAAA", ""):
        assert scram.ScramSecret.parse(bad) is None


def test_saslprep() -> None:
    assert scram.saslprep("I\u00adX") == "IX"  # soft hyphen maps to nothing
    assert scram.saslprep("user\u00a0name") == "user name"  # non-ASCII space
    assert scram.saslprep("\u2168") == "IX"  # NFKC
    assert scram.saslprep("a\u0007b") == "a\u0007b"  # prohibited: kept raw, as PostgreSQL


@pytest.mark.postgres
def test_verifier_made_by_postgresql(postgres15: TempPostgres) -> None:
    """A secret PostgreSQL 15 stored in pg_authid authenticates the same password here."""
    postgres15.psql(
        "set password_encryption = 'scram-sha-256'; create role scram_u password 'tiger'"
    )
    try:
        stored = postgres15.psql("select rolpassword from pg_authid where rolname = 'scram_u'")
    finally:
        postgres15.psql("drop role scram_u")
    secret = scram.ScramSecret.parse(stored.strip())
    assert secret is not None and secret.iterations == 4096
    assert run_client(scram.ScramExchange(secret), "tiger", "n,,", b"").startswith(b"v=")
    with pytest.raises(scram.ScramAuthFailed):
        run_client(scram.ScramExchange(secret), "lion", "n,,", b"")


def test_exchange_steps_and_28p01() -> None:
    exchange = start_exchange("scram-sha-256", "u", "secret", server_secret=b"k")
    first = exchange.first()
    assert first == m.AuthenticationSASL([scram.MECHANISM])
    reply = exchange.step(m.SASLInitialResponse(scram.MECHANISM, b"n,,n=,r=abc"))
    assert isinstance(reply, m.AuthenticationSASLContinue)
    with pytest.raises(PgError) as info:
        exchange.step(m.SASLResponse(b"c=biws,r=" + reply.data.split(b",")[0][2:] + b",p=AAAA"))
    assert info.value.sqlstate == "28P01" and info.value.is_fatal
    assert 'password authentication failed for user "u"' in info.value.message


def test_plus_is_offered_only_with_tls() -> None:
    with_tls = start_exchange("scram-sha-256", "u", "s", channel_binding=b"h", server_secret=b"k")
    assert with_tls.first() == m.AuthenticationSASL([scram.MECHANISM_PLUS, scram.MECHANISM])
    plain = start_exchange("scram-sha-256", "u", "s", server_secret=b"k")
    plain.first()
    with pytest.raises(PgError) as info:
        plain.step(m.SASLInitialResponse(scram.MECHANISM_PLUS, b"p=tls-server-end-point,,n=,r=a"))
    assert info.value.sqlstate == "08P01"
