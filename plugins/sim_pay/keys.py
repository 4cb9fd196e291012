"""The simulated platform's keys, made once per hub in its data dir and kept.

WeChat Pay signs notifies with its platform private key and the merchant verifies them with
the platform certificate, chosen by its serial; the transaction is encrypted with the
merchant's APIv3 key, a 32-character secret both hold. The simulator plays both sides, so it
keeps all three: an RSA-2048 key and a self-signed certificate (``Wechatpay-Serial`` is its
serial in hex), and the APIv3 key. They are made on the first start (off the loop: RSA key
generation takes a moment) into ``<data dir>/sim_pay/`` (0700), each file 0600, and read on
later starts, so a notify signed before a restart still verifies after it.
"""
from __future__ import annotations

import logging
import os
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from xiaoqu.core.storage import open_private

from .const import (
    APIV3_KEY_FILE,
    APIV3_KEY_LENGTH,
    CERTIFICATE_DAYS,
    CERTIFICATE_FILE,
    PRIVATE_KEY_FILE,
    RSA_BITS,
)

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PlatformKeys:
    """The platform's signing key and certificate, and the merchant's APIv3 key."""

    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    apiv3_key: bytes

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        """The key the certificate carries: what the merchant verifies notifies with."""
        return self.private_key.public_key()

    @property
    def serial(self) -> str:
        """The certificate's serial as ``Wechatpay-Serial`` writes it: upper-case hex."""
        return format(self.certificate.serial_number, "X")


def load_or_make(folder: Path) -> PlatformKeys:
    """The keys in ``folder``; made (and written, 0600) when any is missing. Blocking."""
    paths = [folder / name for name in (PRIVATE_KEY_FILE, CERTIFICATE_FILE, APIV3_KEY_FILE)]
    if all(path.is_file() for path in paths):
        key_pem, cert_pem, apiv3 = (_read(path) for path in paths)
        private_key = serialization.load_pem_private_key(key_pem, password=None)
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise ValueError(f"{paths[0]} does not hold an RSA key")
        return PlatformKeys(private_key, x509.load_pem_x509_certificate(cert_pem), apiv3.strip())
    keys = _make()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    _write(paths[0], keys.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))
    _write(paths[1], keys.certificate.public_bytes(serialization.Encoding.PEM))
    _write(paths[2], keys.apiv3_key)
    _LOGGER.info("Simulated WeChat Pay: new platform key and certificate (serial %s) in %s", keys.serial, folder)
    return keys


def _make() -> PlatformKeys:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "xiaoqu simulated WeChat Pay"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "Simulated Tenpay platform")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=CERTIFICATE_DAYS)).sign(private_key, hashes.SHA256())
    )
    alphabet = string.ascii_letters + string.digits
    apiv3_key = "".join(secrets.choice(alphabet) for _ in range(APIV3_KEY_LENGTH)).encode()
    return PlatformKeys(private_key, certificate, apiv3_key)


def _read(path: Path) -> bytes:
    fd = open_private(path, os.O_RDONLY)
    with os.fdopen(fd, "rb") as file:
        return file.read()


def _write(path: Path, data: bytes) -> None:
    fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
