"""What the residents tests share: a site's key and a valid ID number."""
from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet

KEY = Fernet.generate_key().decode()
CONFIG: dict[str, Any] = {"residents": {"encryption_key": KEY}}
#: A valid resident ID number (its check digit is right).
ID_NUMBER = "11010519491231002X"
