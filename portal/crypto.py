"""Field encryption (Fernet/MultiFernet) and keyed blind indexes for sensitive values.

ID numbers and mobiles are stored encrypted; an HMAC-SHA256 of the normalised value under a
separate key (the blind index) answers exact lookups and uniqueness without decrypting.
``FIELD_ENCRYPTION_KEYS`` is a comma-separated list of Fernet keys, the first one encrypts,
all of them decrypt, so keys rotate: add a new key in front, run ``rotate_field_keys``, then
drop the old one. The blind index key cannot rotate without re-indexing, so keep it stable.
"""

import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed


@functools.cache
def _fernet() -> MultiFernet:
    keys = settings.FIELD_ENCRYPTION_KEYS
    if not keys:
        raise RuntimeError("FIELD_ENCRYPTION_KEYS is empty")
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


def _reset(setting, **kwargs):
    if setting in ("FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"):
        _fernet.cache_clear()


setting_changed.connect(_reset)


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: none of FIELD_ENCRYPTION_KEYS fits") from exc


def rotate(token: str) -> str:
    """The same value re-encrypted under the primary (first) key."""
    return _fernet().rotate(token.encode()).decode()


def blind_index(value: str, purpose: str) -> str:
    """HMAC-SHA256 of ``purpose:value``; ``purpose`` keeps indexes of different fields apart."""
    key = settings.BLIND_INDEX_KEY.encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def generate_key() -> str:
    return Fernet.generate_key().decode()


def encrypt_bytes(data: bytes) -> bytes:
    """Uploaded files wait for their import encrypted (they may hold ID numbers)."""
    return _fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return _fernet().decrypt(bytes(token))
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: none of FIELD_ENCRYPTION_KEYS fits") from exc
