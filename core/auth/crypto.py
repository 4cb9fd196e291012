"""Password hashes and bearer tokens: what is stored is never enough to log in.

Passwords are hashed with scrypt, a memory-hard KDF (RFC 7914), so a stolen store is slow
to attack even with GPUs; the parameters are kept in each hash, so raising them later only
needs new hashes, not a migration. Hashing costs tens of milliseconds and 32 MiB on purpose:
call these functions in an executor, never on the event loop.

Tokens are 32 random bytes, far beyond guessing, so a plain SHA-256 of the token is enough to
store (a slow KDF protects low-entropy secrets; it would only slow every API request here)
and lets the hub find a token by its hash in one dict lookup.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Final

SCRYPT_LOG2_N: Final = 15  # N = 32768, r = 8: 32 MiB and ~50-100 ms per hash
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
SALT_BYTES: Final = 16
HASH_BYTES: Final = 32
_MAXMEM: Final = 64 * 1024 * 1024

TOKEN_PREFIX: Final = "xq_"  # lets secret scanners and people recognise a leaked token
TOKEN_BYTES: Final = 32
MAX_TOKEN_LENGTH: Final = 200
MIN_PASSWORD_LENGTH: Final = 8


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=1 << log2_n, r=r, p=p, maxmem=_MAXMEM, dklen=HASH_BYTES
    )


def hash_password(password: str) -> str:
    """``scrypt$<log2 N>$<r>$<p>$<salt>$<hash>`` (base64), for storing. Blocking."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_LOG2_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str | None) -> bool:
    """True if ``password`` matches ``encoded``. Blocking; costs the same whether or not it does.

    With no stored hash (an unknown user, a user without a password) a dummy hash is still
    computed, so the time taken does not tell which user names exist.
    """
    if not encoded:
        _scrypt(password, b"\0" * SALT_BYTES, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P)
        return False
    try:
        scheme, log2_n, r, p, salt, digest = encoded.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(password, base64.b64decode(salt), int(log2_n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def check_password_strength(password: str) -> None:
    """Raise ValueError (never echoing the password) if it is too weak to accept."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip() != password:
        raise ValueError("a password must not start or end with spaces")


def new_token() -> str:
    """A fresh bearer token: shown once to the person who asked, then only its hash is kept."""
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
