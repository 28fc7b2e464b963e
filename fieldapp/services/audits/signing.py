"""The Ed25519 key that signs evidence packages.

The key lives at `settings.audits.signing_key` (FIELDAPP_AUDIT_SIGNING_KEY; by default
instance/audit_signing_key.pem) as an unencrypted PKCS#8 PEM. An operator may put a key
there; when the file is missing, the first package generates one. It is written to a
temporary file of mode 0600 beside the target and hard-linked into place, which fails if
the target exists: two workers starting together never write two keys, and the one that
loses reads the winner's. A reader never sees a half-written key.

The fingerprint is the SHA-256 of the public key's DER SubjectPublicKeyInfo, in hex — what
`openssl pkey -pubin -outform DER | sha256sum` prints for the served PEM.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ...config import AuditSettings
from ...errors import ServiceError

log = logging.getLogger(__name__)


class SigningKeyError(ServiceError):
    """The configured key cannot be used: a fault of the server, not of the request."""

    status = 500


def signing_key(settings: AuditSettings) -> Ed25519PrivateKey:
    """The instance's private key, generated into place first if there is none."""
    path = settings.signing_key
    if not path.exists():
        _create(path)
    return _read(path)


def instance_public_key(settings: AuditSettings) -> Ed25519PublicKey | None:
    """The instance's public key, or None while no key has been generated (checking a
    package never creates one)."""
    path = settings.signing_key
    return _read(path).public_key() if path.exists() else None


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(key: Ed25519PublicKey) -> str:
    der = key.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def load_public_pem(pem: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM; ValueError with a reason for anything else."""
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError("the public key is not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the public key is not an Ed25519 key")
    return key


def signature_holds(key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def _read(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise SigningKeyError("the audit signing key (FIELDAPP_AUDIT_SIGNING_KEY) cannot be "
                              "read as an unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError("the audit signing key (FIELDAPP_AUDIT_SIGNING_KEY) is not "
                              "an Ed25519 key")
    if path.stat().st_mode & 0o077:
        log.warning("the audit signing key %s can be read by others than its owner", path)
    return key


def _create(path: Path) -> None:
    """Write a new key to `path` unless another process got there first."""
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".audit-key-")  # mode 0600
    except OSError as exc:
        raise SigningKeyError("the audit signing key (FIELDAPP_AUDIT_SIGNING_KEY) cannot be "
                              "created: its folder is not writable") from exc
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return
        except OSError as exc:  # a file system without hard links
            raise SigningKeyError("the audit signing key (FIELDAPP_AUDIT_SIGNING_KEY) cannot "
                                  "be created: its file system cannot link files") from exc
        log.info("generated the audit signing key %s", path)
    finally:
        os.unlink(temporary)
