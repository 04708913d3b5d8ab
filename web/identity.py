"""Widget identity: a signed token from the embedding site's backend binds the user's id, e-mail and name.

The site's server mints an HS256 JWT with ``SUPPORTBOT_IDENTITY_SECRET`` (claims ``sub``, optional
``email`` and ``name``, ``exp``) and puts it on the widget tag; the browser cannot forge or edit it.
Only the verified claims are stored; the ``user`` fields of the request are at most checked against
them. Times are checked against the app's clock (so tests control them) with a small leeway.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt

from web.errors import IdentityExpired, IdentityInvalid, IdentityMismatch

# Only HMAC-SHA256: a token naming "none" or an asymmetric algorithm is refused before any key is used.
ALGORITHMS = ("HS256",)
LEEWAY_S = 30
MAX_CLAIM_CHARS = {"sub": 256, "email": 320, "name": 200}


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the embedding site vouches for."""

    user_id: str
    email: str | None
    name: str | None


def mint_identity_token(secret: str, claims: Mapping[str, Any]) -> str:
    """What the embedding site's backend does (shown in the README; used by the tests)."""
    return jwt.encode(dict(claims), secret, algorithm="HS256")


def verify_identity_token(secret: str, token: str, *, now: datetime) -> Identity:
    """The identity in ``token`` if it is ours and current.

    :raises IdentityInvalid: bad signature, another algorithm, malformed, missing ``sub``/``exp``,
        claims of the wrong type or size, or not yet valid (``nbf``/``iat`` in the future).
    :raises IdentityExpired: signed by us but past ``exp`` by more than ``LEEWAY_S``.
    """
    try:
        claims = jwt.decode(
            token, secret, algorithms=list(ALGORITHMS),
            # Times are checked below against the app's clock, not the process's.
            options={"require": ["sub", "exp"], "verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except jwt.InvalidTokenError as exc:
        raise IdentityInvalid(f"identity token refused: {_reason(exc)}") from None
    stamp = now.timestamp()
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise IdentityInvalid("identity token refused: exp must be a number")
    if stamp > exp + LEEWAY_S:
        raise IdentityExpired("identity token has expired: mint a new one")
    for name in ("nbf", "iat"):
        value = claims.get(name)
        if value is not None and (not isinstance(value, int | float) or value > stamp + LEEWAY_S):
            raise IdentityInvalid(f"identity token refused: {name} is in the future")
    for name, limit in MAX_CLAIM_CHARS.items():
        value = claims.get(name)
        if value is not None and (not isinstance(value, str) or not value.strip() or len(value) > limit):
            raise IdentityInvalid(f"identity token refused: {name} must be a non-empty string of at most {limit}")
    return Identity(user_id=claims["sub"], email=claims.get("email"), name=claims.get("name"))


def check_user_fields(identity: Identity, user_id: str, email: str | None, name: str | None) -> None:
    """``user`` fields sent next to a token must repeat its claims (or be left out).

    :raises IdentityMismatch: a field that differs from the verified claim.
    """
    for field, given, claimed in (("id", user_id, identity.user_id), ("email", email, identity.email),
                                  ("name", name, identity.name)):
        if given is not None and given != claimed:
            raise IdentityMismatch(f"user.{field} differs from the identity token's claim")


def _reason(exc: jwt.InvalidTokenError) -> str:
    # Stable, short and never an echo of the token.
    if isinstance(exc, jwt.InvalidSignatureError):
        return "bad signature"
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return "algorithm not allowed"
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"missing claim {exc.claim}"
    if isinstance(exc, jwt.DecodeError):
        return "malformed token"
    return "invalid claims"
