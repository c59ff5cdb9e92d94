"""The webhook URL's encryption: Fernet (AES-128-CBC with an HMAC) under a key from
NOTIFY_WEBHOOK_KEY, or derived from SECRET_KEY when that is unset (so rotating SECRET_KEY
means pasting the webhook URLs again; set NOTIFY_WEBHOOK_KEY to keep them across a rotation).
"""

import base64
import hashlib
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    material = settings.NOTIFY_WEBHOOK_KEY or f"notifications.webhook:{settings.SECRET_KEY}"
    key = base64.urlsafe_b64encode(hashlib.sha256(material.encode()).digest())
    return Fernet(key)


def encrypt(url: str) -> str:
    return _fernet().encrypt(url.encode()).decode()


def decrypt(token: str) -> str | None:
    """The URL, or None when it cannot be read (the key changed)."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def hint(url: str) -> str:
    """What the page shows of a stored URL: its host and last four characters."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}/…{url[-4:]}"
