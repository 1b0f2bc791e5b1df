"""md5 and cleartext checks against every stored secret format, md5 against PostgreSQL's."""

from __future__ import annotations

import hashlib

import pytest

from pgwire.auth import password as pw
from pgwire.auth.exchange import start_exchange
from pgwire.auth.rules import AuthRule, choose
from pgwire.auth.scram import ScramSecret
from pgwire.errors import PgError
from pgwire.protocol import messages as m
from tests.support.postgres import TempPostgres


@pytest.mark.postgres
def test_md5_secret_matches_postgresql(postgres15: TempPostgres) -> None:
    postgres15.psql("set password_encryption = 'md5'; create role md5_u password 'tiger'")
    try:
        stored = postgres15.psql("select rolpassword from pg_authid where rolname = 'md5_u'")
    finally:
        postgres15.psql("drop role md5_u")
    assert stored.strip() == pw.md5_secret("tiger", "md5_u")


@pytest.mark.parametrize(
    "secret",
    ["tiger", pw.md5_secret("tiger", "u"), ScramSecret.from_password("tiger").encode()],
)
def test_cleartext_against_every_format(secret: str) -> None:
    assert pw.check_cleartext(secret, "u", "tiger")
    assert not pw.check_cleartext(secret, "u", "lion")


def md5_response(password: str, user: str, salt: bytes) -> str:
    inner = hashlib.md5((password + user).encode()).hexdigest()
    return "md5" + hashlib.md5(inner.encode() + salt).hexdigest()


@pytest.mark.parametrize("secret", ["tiger", pw.md5_secret("tiger", "u")])
def test_md5_exchange(secret: str) -> None:
    exchange = start_exchange("md5", "u", secret)
    request = exchange.first()
    assert isinstance(request, m.AuthenticationMD5Password)
    exchange.step(m.PasswordMessage(md5_response("tiger", "u", request.salt)))
    assert exchange.done
    wrong = start_exchange("md5", "u", secret)
    request = wrong.first()
    assert isinstance(request, m.AuthenticationMD5Password)
    with pytest.raises(PgError) as info:
        wrong.step(m.PasswordMessage(md5_response("lion", "u", request.salt)))
    assert info.value.sqlstate == "28P01"


def test_md5_with_a_scram_secret_upgrades_to_scram() -> None:
    exchange = start_exchange("md5", "u", ScramSecret.from_password("tiger").encode())
    assert isinstance(exchange.first(), m.AuthenticationSASL)


def test_empty_password_is_refused() -> None:
    exchange = start_exchange("password", "u", "")
    exchange.first()
    with pytest.raises(PgError):
        exchange.step(m.PasswordMessage(""))


def test_rules_first_match_wins() -> None:
    rules = [
        AuthRule.parse("local all all trust"),
        AuthRule.parse("hostssl all admin scram-sha-256"),
        AuthRule.parse("host all admin reject"),
        AuthRule.parse("host app,web all md5"),
    ]
    assert choose(rules, "local", "x", "admin") == rules[0]
    assert choose(rules, "hostssl", "x", "admin") == rules[1]
    assert choose(rules, "hostnossl", "x", "admin") == rules[2]
    assert choose(rules, "hostnossl", "web", "bob") == rules[3]
    assert choose(rules, "hostnossl", "other", "bob") is None
    with pytest.raises(ValueError):
        AuthRule.parse("host all all kerberos")
