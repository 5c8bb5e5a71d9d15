"""Bundle signatures: Ed25519 keys, ``signature.json`` inside a bundle, and trust policies.

A signature covers every member of the bundle except ``signature.json`` itself: the
signed message is a domain tag followed by canonical JSON mapping each member name
(``manifest.json``, the model file, any extra file) to its sha256. The manifest
already pins the model's sha256, so the manifest digest alone would protect the model;
covering every member also stops files from being added to a signed bundle.

``signature.json``::

    {"signature_format": 1, "algorithm": "ed25519",
     "key_id": "<sha256 hex of the raw 32-byte public key>",
     "files": {"manifest.json": "<sha256 hex>", "model.tflite": "<sha256 hex>"},
     "signature": "<base64 of the 64-byte Ed25519 signature>"}

Verification runs on the raw member bytes, before the manifest is parsed:
``load_bundle(path, trust=TrustPolicy(...))`` raises :class:`SignatureError` when the
signature is missing (unless ``allow_unsigned``), malformed, made with an untrusted
key, or does not match the bundle's bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .atomic import write_bytes_atomically
from .bundle import MANIFEST_NAME, Bundle, load_bundle, sha256_hex
from .errors import ConfigError, SignatureError

SIGNATURE_NAME = "signature.json"
SIGNATURE_FORMAT = 1
ALGORITHM = "ed25519"
PRIVATE_KEY_NAME = "wakeword_signing.key"
PUBLIC_KEY_NAME = "wakeword_signing.pub"
MAX_SIGNATURE_BYTES = 64 << 10
MAX_KEY_FILE_BYTES = 64 << 10
_DOMAIN_TAG = b"wakeword-bundle-signature-v1\n"
_HEX = frozenset("0123456789abcdef")


# --- keys -------------------------------------------------------------------------------

def key_id(public_key: Ed25519PublicKey) -> str:
    """sha256 (hex) of the raw 32-byte public key: the name a signature gives its key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def generate_keypair(out_dir: str | os.PathLike) -> tuple[Path, Path]:
    """Write a new Ed25519 key pair into ``out_dir``.

    Returns
    -------
    (private_key_path, public_key_path)
        ``wakeword_signing.key`` (PKCS#8 PEM, mode 0600) and ``wakeword_signing.pub``
        (SubjectPublicKeyInfo PEM). An existing key file is never overwritten.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    private_path, public_path = out_dir / PRIVATE_KEY_NAME, out_dir / PUBLIC_KEY_NAME
    for path in (private_path, public_path):
        if path.exists():
            raise ConfigError(f"{path}: already exists; refusing to overwrite a signing key")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    _write_new_file(private_path, private_pem, mode=0o600)
    _write_new_file(public_path, public_pem, mode=0o644)
    return private_path, public_path


def _write_new_file(path: Path, data: bytes, *, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)  # the umask may have removed bits; never added any
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_key_file(path: str | os.PathLike, what: str) -> bytes:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_KEY_FILE_BYTES:
            raise ConfigError(f"{path}: {size} bytes is too large for a {what}")
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what} ({exc.strerror or exc})") from exc


def load_private_key(path: str | os.PathLike) -> Ed25519PrivateKey:
    """An Ed25519 private key from an unencrypted PEM file (as written by :func:`generate_keypair`)."""
    data = _read_key_file(path, "private key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: not an unencrypted PEM private key ({exc})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{path}: a {type(key).__name__}, but bundles are signed with Ed25519 keys")
    return key


def load_public_key(path: str | os.PathLike) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM file (as written by :func:`generate_keypair`)."""
    data = _read_key_file(path, "public key")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: not a PEM public key ({exc})") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError(f"{path}: a {type(key).__name__}, but bundles are signed with Ed25519 keys")
    return key


# --- trust policy -----------------------------------------------------------------------

@dataclass(frozen=True)
class TrustPolicy:
    """Which bundles :func:`verify_bundle` (and ``load_bundle(..., trust=...)``) accepts.

    trusted_keys : Ed25519 public keys whose signatures are accepted.
    allow_unsigned : accept bundles without ``signature.json`` (a present but bad
        signature is refused all the same).
    """

    trusted_keys: tuple[Ed25519PublicKey, ...] = ()
    allow_unsigned: bool = False

    def __post_init__(self) -> None:
        keys = tuple(self.trusted_keys)
        for key in keys:
            if not isinstance(key, Ed25519PublicKey):
                raise ConfigError(f"TrustPolicy.trusted_keys: expected Ed25519 public keys, got {type(key).__name__}")
        object.__setattr__(self, "trusted_keys", keys)

    @classmethod
    def from_key_files(cls, paths: Iterable[str | os.PathLike], *, allow_unsigned: bool = False) -> "TrustPolicy":
        """A policy trusting the public keys in these PEM files."""
        return cls(tuple(load_public_key(p) for p in paths), allow_unsigned=allow_unsigned)

    def key_for(self, wanted_id: str) -> Ed25519PublicKey | None:
        for key in self.trusted_keys:
            if key_id(key) == wanted_id:
                return key
        return None


#: public keys shipped with the package (the project's release keys)
PACKAGE_KEYS_DIR = Path(__file__).parent / "trusted_keys"
USER_KEYS_ENV = "WAKEWORD_TRUSTED_KEYS"


def user_keys_dir() -> Path:
    """``$WAKEWORD_TRUSTED_KEYS``, else ``~/.config/wakeword/trusted_keys`` (``*.pub`` files)."""
    env = os.environ.get(USER_KEYS_ENV)
    return Path(env) if env else Path.home() / ".config" / "wakeword" / "trusted_keys"


def default_trust_policy(*, allow_unsigned: bool = False,
                         extra_key_files: Iterable[str | os.PathLike] = ()) -> TrustPolicy:
    """The runtime's policy: the package's release keys, the user's trusted keys and any extra
    key files; unsigned bundles only when ``allow_unsigned`` is given explicitly."""
    files = sorted(PACKAGE_KEYS_DIR.glob("*.pub"))
    if user_keys_dir().is_dir():
        files += sorted(user_keys_dir().glob("*.pub"))
    return TrustPolicy.from_key_files([*files, *extra_key_files], allow_unsigned=allow_unsigned)


# --- signing and verification -----------------------------------------------------------

def _signed_message(file_digests: Mapping[str, str]) -> bytes:
    canonical = json.dumps(dict(sorted(file_digests.items())), separators=(",", ":"), ensure_ascii=True)
    return _DOMAIN_TAG + canonical.encode("ascii")


def _member_digests(members: Mapping[str, bytes]) -> dict[str, str]:
    return {name: sha256_hex(data) for name, data in sorted(members.items()) if name != SIGNATURE_NAME}


def signature_bytes(members: Mapping[str, bytes], private_key: Ed25519PrivateKey) -> bytes:
    """The ``signature.json`` content for these bundle members (``signature.json`` itself excluded)."""
    digests = _member_digests(members)
    if MANIFEST_NAME not in digests:
        raise SignatureError(f"cannot sign a bundle without {MANIFEST_NAME}")
    document = {
        "signature_format": SIGNATURE_FORMAT,
        "algorithm": ALGORITHM,
        "key_id": key_id(private_key.public_key()),
        "files": digests,
        "signature": base64.b64encode(private_key.sign(_signed_message(digests))).decode("ascii"),
    }
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def sign_bundle(bundle_path: str | os.PathLike, private_key_path: str | os.PathLike) -> Path:
    """Validate the bundle at ``bundle_path`` (folder or ``.wwb``) and write ``signature.json`` into it.

    An existing signature is replaced. The folder gains the file atomically; a ``.wwb``
    is rewritten atomically (deterministic member order and times). Returns ``bundle_path``.
    """
    path = Path(bundle_path)
    if not path.exists():
        raise SignatureError(f"{path}: no such bundle file or folder")
    private_key = load_private_key(private_key_path)
    bundle = load_bundle(path)
    document = signature_bytes(bundle.files, private_key)
    if path.is_dir():
        write_bytes_atomically(path / SIGNATURE_NAME, document)
    else:
        members = {name: data for name, data in bundle.files.items() if name != SIGNATURE_NAME}
        members[SIGNATURE_NAME] = document
        write_bytes_atomically(path, zip_members(members))
    return path


def zip_members(members: Mapping[str, bytes]) -> bytes:
    """A ``.wwb`` archive of these members (sorted, fixed timestamps: same input, same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, members[name])
    return buffer.getvalue()




def _parse_signature(data: bytes, source: str) -> tuple[str, dict[str, str], bytes]:
    """(key_id, files, raw signature) from ``signature.json`` bytes, or SignatureError."""
    where = f"{source}/{SIGNATURE_NAME}"
    if len(data) > MAX_SIGNATURE_BYTES:
        raise SignatureError(f"{where}: {len(data)} bytes, larger than {MAX_SIGNATURE_BYTES}")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # ValueError: also over-long integers
        raise SignatureError(f"{where}: not valid JSON ({exc})") from exc
    if not isinstance(doc, dict):
        raise SignatureError(f"{where}: expected a JSON object")
    expected = {"signature_format", "algorithm", "key_id", "files", "signature"}
    if set(doc) != expected:
        raise SignatureError(f"{where}: keys {sorted(doc)} but a signature has exactly {sorted(expected)}")
    if doc["signature_format"] != SIGNATURE_FORMAT or isinstance(doc["signature_format"], bool):
        raise SignatureError(f"{where}: signature_format {doc['signature_format']!r} is not supported "
                             f"(this runtime reads {SIGNATURE_FORMAT})")
    if doc["algorithm"] != ALGORITHM:
        raise SignatureError(f"{where}: algorithm {doc['algorithm']!r} is not supported (only {ALGORITHM!r})")
    kid, files, signature = doc["key_id"], doc["files"], doc["signature"]
    if not _is_sha256_hex(kid):
        raise SignatureError(f"{where}: key_id must be 64 lowercase hex digits")
    if not isinstance(files, dict) or not all(isinstance(k, str) and _is_sha256_hex(v) for k, v in files.items()):
        raise SignatureError(f"{where}: files must map member names to sha256 hex digests")
    if not isinstance(signature, str):
        raise SignatureError(f"{where}: signature must be a base64 string")
    try:
        raw = base64.b64decode(signature.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError) as exc:
        raise SignatureError(f"{where}: signature is not valid base64 ({exc})") from exc
    if len(raw) != 64:
        raise SignatureError(f"{where}: an Ed25519 signature is 64 bytes, got {len(raw)}")
    return kid, files, raw


def _is_sha256_hex(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX


def verify_members(members: Mapping[str, bytes], trust: TrustPolicy | Sequence[Ed25519PublicKey], *,
                   source: str = "bundle") -> str | None:
    """Check the signature of raw bundle members against ``trust``.

    Returns the key id that signed the bundle, or None for an unsigned bundle that the
    policy allows. Raises :class:`SignatureError` otherwise.
    """
    policy = trust if isinstance(trust, TrustPolicy) else TrustPolicy(tuple(trust))
    if SIGNATURE_NAME not in members:
        if policy.allow_unsigned:
            return None
        raise SignatureError(f"{source}: the bundle is not signed (no {SIGNATURE_NAME}) and the trust policy "
                             "requires a signature (allow unsigned bundles explicitly to load it)")
    kid, signed_files, raw = _parse_signature(members[SIGNATURE_NAME], source)
    key = policy.key_for(kid)
    if key is None:
        trusted = ", ".join(key_id(k)[:16] for k in policy.trusted_keys) or "none"
        raise SignatureError(f"{source}: signed by key {kid[:16]}..., which is not trusted (trusted: {trusted})")
    try:
        key.verify(raw, _signed_message(signed_files))
    except InvalidSignature:
        raise SignatureError(f"{source}: the signature does not verify with key {kid[:16]}... "
                             "(signature.json was altered or forged)") from None
    actual = _member_digests(members)
    if MANIFEST_NAME not in signed_files:
        raise SignatureError(f"{source}: the signature does not cover {MANIFEST_NAME}")
    for name in sorted(set(actual) | set(signed_files)):
        if name not in signed_files:
            raise SignatureError(f"{source}: member {name} was added after signing")
        if name not in actual:
            raise SignatureError(f"{source}: signed member {name} is missing")
        if actual[name] != signed_files[name]:
            raise SignatureError(f"{source}: {name} was changed after signing "
                                 f"(sha256 {actual[name][:16]}..., signed {signed_files[name][:16]}...)")
    return kid


def verify_bundle(bundle: Bundle, trusted_keys: TrustPolicy | Sequence[Ed25519PublicKey]) -> str | None:
    """Check a loaded bundle's signature; see :func:`verify_members`."""
    return verify_members(bundle.files, trusted_keys, source=bundle.source)
