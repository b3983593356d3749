"""Application-level encryption of personal data at rest (PIPL 个人信息保护法).

ID numbers and phone numbers are stored as Fernet tokens (AES-128-CBC + HMAC-SHA256, from
the `cryptography` package). Keys come from the environment:

- `TIAOJIE_FIELD_KEYS` (or `TIAOJIE_FIELD_KEYS_FILE`): comma-separated Fernet keys, the
  first encrypts, all decrypt. Rotation: put a new key first, keep the old ones after it,
  run `manage.py rotate_field_keys`, then drop the old keys.
- `TIAOJIE_BLIND_INDEX_KEY` (or `_FILE`): the HMAC key of the blind index — a keyed hash
  of the normalised value, so exact-match look-ups (the repeat-dispute check) work
  without decrypting. Changing it needs `rotate_field_keys` too (it recomputes digests).

With DEBUG on and no keys set, keys are derived from SECRET_KEY so a laptop works out of
the box; with DEBUG off a missing key stops start-up.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _derived(purpose: str) -> bytes:
    return hashlib.sha256(f"tiaojie:{purpose}:{settings.SECRET_KEY}".encode()).digest()


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    keys = settings.TIAOJIE_FIELD_KEYS
    if not keys:
        if not settings.DEBUG:
            raise ImproperlyConfigured(
                "TIAOJIE_FIELD_KEYS is not set: personal data cannot be encrypted. Generate "
                "one with `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`. 未设置个人信息加密密钥。"
            )
        keys = [base64.urlsafe_b64encode(_derived("field-key")).decode()]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(f"TIAOJIE_FIELD_KEYS holds an invalid key: {error}") from None


@lru_cache(maxsize=1)
def _index_key() -> bytes:
    key = settings.TIAOJIE_BLIND_INDEX_KEY
    if not key:
        if not settings.DEBUG:
            raise ImproperlyConfigured(
                "TIAOJIE_BLIND_INDEX_KEY is not set (a long random string). 未设置盲索引密钥。"
            )
        return _derived("blind-index")
    return key.encode()


def reset_keys() -> None:
    """Forget cached keys (after the settings change: tests, rotation)."""
    _fernet.cache_clear()
    _index_key.cache_clear()


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored personal-data value cannot be decrypted with the configured keys "
            "(TIAOJIE_FIELD_KEYS is missing the key it was written with)."
        ) from None


def rotate(token: str) -> str:
    """Re-encrypt a token with the primary key."""
    return _fernet().rotate(token.encode()).decode()


def normalise(value: str) -> str:
    return "".join(value.split()).upper().replace("-", "")


def blind_index(value: str) -> str:
    """Keyed hash of the normalised value ('' for an empty value)."""
    if not value:
        return ""
    return hmac.new(_index_key(), normalise(value).encode(), hashlib.sha256).hexdigest()


def encrypt_bytes(value: bytes) -> bytes:
    """A whole file holding personal data (an uploaded ledger), encrypted like a field."""
    return _fernet().encrypt(value)


def rotate_bytes(token: bytes) -> bytes:
    """Re-encrypt a file's token with the primary key."""
    try:
        return _fernet().rotate(token)
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored file cannot be decrypted with the configured keys "
            "(TIAOJIE_FIELD_KEYS is missing the key it was written with)."
        ) from None


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return _fernet().decrypt(token)
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored file cannot be decrypted with the configured keys "
            "(TIAOJIE_FIELD_KEYS is missing the key it was written with)."
        ) from None
