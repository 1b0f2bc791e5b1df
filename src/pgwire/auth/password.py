"""Password checks for the cleartext and md5 methods, against any stored secret format.

A stored secret is what an operator keeps for a user, in PostgreSQL's formats:
a plain password, `md5` + md5(password + user), or a SCRAM-SHA-256 verifier.
"""

from __future__ import annotations

import hashlib
import hmac

from pgwire.auth.scram import ScramSecret


def md5_secret(password: str, user: str) -> str:
    """PostgreSQL's stored md5 form: 'md5' + md5(password + user)."""
    return "md5" + hashlib.md5((password + user).encode()).hexdigest()


def is_md5_secret(secret: str) -> bool:
    return len(secret) == 35 and secret.startswith("md5") and _is_hex(secret[3:])


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


def check_cleartext(secret: str, user: str, password: str) -> bool:
    """Does the password the client sent in clear match the stored secret (any format)?"""
    scram = ScramSecret.parse(secret)
    if scram is not None:
        derived = ScramSecret.from_password(password, scram.salt, scram.iterations)
        return hmac.compare_digest(derived.stored_key, scram.stored_key) and hmac.compare_digest(
            derived.server_key, scram.server_key
        )
    if is_md5_secret(secret):
        return hmac.compare_digest(md5_secret(password, user).encode(), secret.encode())
    return hmac.compare_digest(password.encode(), secret.encode())


def check_md5_response(secret: str, user: str, salt: bytes, response: str) -> bool:
    """The md5 method: response = 'md5' + md5(md5(password + user) + salt)."""
    if is_md5_secret(secret):
        inner = secret[3:]
    elif ScramSecret.parse(secret) is None:
        inner = md5_secret(secret, user)[3:]
    else:
        return False  # a SCRAM secret cannot answer md5; callers use SCRAM instead
    expected = "md5" + hashlib.md5(inner.encode() + salt).hexdigest()
    return hmac.compare_digest(expected.encode(), response.encode())
