"""The installation's Ed25519 export key and installation id.

The private key is never stored as such: its 32-byte seed is a named installation secret
(``keys.secret``), wrapped by the master key like the audit chain's key, so it follows
master key rotation and never lies in the database in clear. The installation id is
derived from another such secret, so it is stable for the life of the installation and
reveals nothing about any key.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SIGNING_KEY_NAME = "export-signing"
INSTALLATION_ID_NAME = "installation-id"


class SecretSource(Protocol):
    def secret(self, name: str) -> tuple[bytes, bool]: ...


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, hex: what recipients compare by eye."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """A PEM public key; raises ``ValueError`` if it is not an Ed25519 key."""
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def signature_valid(key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


class ExportSigner:
    def __init__(self, keys: SecretSource) -> None:
        seed, _ = keys.secret(SIGNING_KEY_NAME)
        self._private = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = self._private.public_key()
        self.public_pem = public_key_pem(self.public_key)
        self.fingerprint = fingerprint(self.public_key)
        id_secret, _ = keys.secret(INSTALLATION_ID_NAME)
        digest = hashlib.sha256(b"mimamoru installation id|" + id_secret).digest()
        self.installation_id = str(uuid.UUID(bytes=digest[:16], version=4))

    def sign(self, data: bytes) -> bytes:
        return self._private.sign(data)
