"""Secrets handed to people once and stored only as hashes."""

import hashlib
import secrets

API_KEY_PREFIX = "sbk_"


def new_api_key() -> str:
    """Return a fresh agent API key: ``sbk_`` followed by 32 random bytes, URL-safe base64."""
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """Return the sha256 hex digest stored in place of an API key or a widget token.

    A plain hash (no salt, no slow KDF) is enough here because keys and tokens are 256-bit random
    values, not passwords: there is nothing to brute-force, and a fast hash lets the lookup use an index.
    """
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
