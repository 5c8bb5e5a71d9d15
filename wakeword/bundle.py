"""Model bundles: a folder (or a single-file ``.wwb`` zip of it) holding
``manifest.json`` and ``model.tflite``.

Loading validates the manifest schema, the model's size and sha256, and (in
:class:`wakeword.model.ModelRunner`) that the model's tensors match the manifest;
any mismatch is a :class:`BundleError` naming the bundle and the field.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .atomic import write_bytes_atomically
from .config import Manifest, from_dict, to_dict
from .errors import BundleError, ConfigError

if TYPE_CHECKING:  # --- signing hook: type only; wakeword.signing is imported lazily ---
    from .signing import TrustPolicy

MANIFEST_NAME = "manifest.json"
BUNDLE_SUFFIX = ".wwb"
MAX_MANIFEST_BYTES = 1 << 20
MAX_MODEL_BYTES = 16 << 20
MAX_MEMBERS = 32
BUILTIN_DIR = Path(__file__).parent / "bundles"


@dataclass(frozen=True)
class Bundle:
    """A loaded, validated bundle."""

    source: str
    manifest: Manifest
    model_bytes: bytes
    files: dict[str, bytes]
    #: the second stage's model (``manifest.verifier``), or None
    verifier_bytes: bytes | None = None

    @property
    def name(self) -> str:
        return self.manifest.name


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def builtin_names() -> list[str]:
    """Names of the bundles shipped inside the package."""
    if not BUILTIN_DIR.is_dir():
        return []
    return sorted(p.name for p in BUILTIN_DIR.iterdir() if (p / MANIFEST_NAME).is_file())


def resolve_bundle_path(path_or_name: str | os.PathLike) -> Path:
    """A path as given, or the folder of a built-in bundle of that name."""
    path = Path(path_or_name)
    if path.exists():
        return path
    if isinstance(path_or_name, str) and (BUILTIN_DIR / path_or_name / MANIFEST_NAME).is_file():
        return BUILTIN_DIR / path_or_name
    known = ", ".join(builtin_names()) or "none"
    raise BundleError(f"{path_or_name}: no such bundle file or folder, and not a built-in bundle (built-in: {known})")


def _read_members(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        members = {}
        for child in sorted(path.iterdir()):
            if child.is_file() and not child.name.startswith("."):
                size = child.stat().st_size
                if size > MAX_MODEL_BYTES:
                    raise BundleError(f"{child}: {size} bytes is larger than any bundle member may be")
                members[child.name] = child.read_bytes()
        return members
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise BundleError(f"{path}: {len(infos)} members; a bundle has at most {MAX_MEMBERS}")
            members = {}
            for info in infos:
                name = info.filename
                if not name or "\x00" in name:
                    raise BundleError(f"{path}: a member has an empty or invalid name")
                if info.is_dir():
                    continue
                if "/" in name or "\\" in name or name.startswith("."):
                    raise BundleError(f"{path}: member {name!r} is not a plain file name")
                if info.file_size > MAX_MODEL_BYTES:
                    raise BundleError(f"{path}: member {name} is {info.file_size} bytes, too large")
                members[name] = archive.read(info)
            return members
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, RuntimeError,
            zlib.error, IndexError) as exc:  # RuntimeError covers encrypted and unknown-compression members
        raise BundleError(f"{path}: not a readable bundle archive ({exc})") from exc


def parse_manifest(data: bytes, *, source: str) -> Manifest:
    """Validate and parse manifest bytes."""
    if len(data) > MAX_MANIFEST_BYTES:
        raise BundleError(f"{source}: manifest is {len(data)} bytes, larger than {MAX_MANIFEST_BYTES}")
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # ValueError: also over-long integers
        raise BundleError(f"{source}: manifest is not valid JSON ({exc})") from exc
    try:
        return from_dict(Manifest, raw)
    except ConfigError as exc:
        raise BundleError(f"{source}: invalid manifest: {exc}") from exc


def load_bundle(path_or_name: str | os.PathLike, *, trust: TrustPolicy | None = None) -> Bundle:
    """Load and validate a bundle folder, ``.wwb`` file, or built-in bundle name.

    trust : wakeword.signing.TrustPolicy, optional
        When given, the bundle's ``signature.json`` is verified against it before the
        manifest is parsed. None: no signature check (signatures are ignored).

    Raises
    ------
    BundleError
        Missing files, invalid manifest, size or checksum mismatch.
    SignatureError
        (only with ``trust``) missing, untrusted or non-matching signature.
    """
    path = resolve_bundle_path(path_or_name)
    members = _read_members(path)
    if trust is not None:  # --- signing hook (wakeword/signing.py) ---
        from .signing import verify_members

        verify_members(members, trust, source=str(path))
    if MANIFEST_NAME not in members:
        raise BundleError(f"{path}: no {MANIFEST_NAME} in the bundle")
    manifest = parse_manifest(members[MANIFEST_NAME], source=f"{path}/{MANIFEST_NAME}")
    model_bytes = _checked_member(members, manifest.model, path)
    verifier_bytes = None if manifest.verifier is None else _checked_member(members, manifest.verifier.model, path)
    return Bundle(source=str(path), manifest=manifest, model_bytes=model_bytes, files=members,
                  verifier_bytes=verifier_bytes)


def _checked_member(members: dict[str, bytes], spec, path: Path) -> bytes:
    """The bytes of the model file ``spec`` names, checked against its size and sha256."""
    if spec.file not in members:
        raise BundleError(f"{path}: the manifest names model file {spec.file!r}, which is missing")
    data = members[spec.file]
    if len(data) != spec.size_bytes:
        raise BundleError(f"{path}: {spec.file} is {len(data)} bytes but the manifest says {spec.size_bytes} "
                          "(truncated or replaced)")
    digest = sha256_hex(data)
    if digest != spec.sha256:
        raise BundleError(f"{path}: {spec.file} sha256 {digest} does not match the manifest's {spec.sha256} "
                          "(corrupt or tampered)")
    return data


def open_bundle(path_or_name: str | os.PathLike, *, allow_unsigned: bool = False,
                trusted_key_files: tuple[str | os.PathLike, ...] = ()) -> Bundle:
    """Load a bundle the way the runtime and the app do (the one place a bundle is named): a peer
    model ``microwakeword:NAME`` (:mod:`wakeword.peers`), or a bundle whose signature must verify with a
    trusted key (the package's release keys, ``~/.config/wakeword/trusted_keys/*.pub`` or
    ``trusted_key_files``); unsigned bundles only with ``allow_unsigned=True``.

    Raises
    ------
    SignatureError
        Unsigned (without ``allow_unsigned``), signed by an untrusted key, or tampered with.
    """
    from .peers import PEER_PREFIX
    from .signing import default_trust_policy

    if isinstance(path_or_name, str) and path_or_name.startswith(PEER_PREFIX):
        from .peers import microwakeword_bundle

        return microwakeword_bundle(path_or_name[len(PEER_PREFIX):])
    trust = default_trust_policy(allow_unsigned=allow_unsigned, extra_key_files=trusted_key_files)
    return load_bundle(path_or_name, trust=trust)


def manifest_bytes(manifest: Manifest) -> bytes:
    data = to_dict(manifest)
    if data["verifier"] is None:  # a one-stage manifest reads as it did before cascades existed
        del data["verifier"]
    if data.get("personal", 0) is None:  # only personal bundles carry a template stage
        del data["personal"]
    return (json.dumps(data, indent=2, sort_keys=False) + "\n").encode("utf-8")


def save_bundle(out_dir: str | os.PathLike, manifest: Manifest, model_bytes: bytes, *,
                extra_files: dict[str, bytes] | None = None) -> Path:
    """Write a bundle folder atomically (a complete new folder replaces the old one).

    The manifest's sha256 and size must describe ``model_bytes``.
    """
    if sha256_hex(model_bytes) != manifest.model.sha256 or len(model_bytes) != manifest.model.size_bytes:
        raise BundleError("save_bundle: the manifest's sha256/size do not describe the model bytes")
    if manifest.verifier is not None:
        spec, data = manifest.verifier.model, (extra_files or {}).get(manifest.verifier.model.file)
        if data is None or sha256_hex(data) != spec.sha256 or len(data) != spec.size_bytes:
            raise BundleError(f"save_bundle: the verifier's {spec.file} is missing from extra_files or does not "
                              "match the manifest")
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; a bundle is ordinary readable data
    try:
        files = {MANIFEST_NAME: manifest_bytes(manifest), manifest.model.file: bytes(model_bytes)}
        files.update(extra_files or {})
        for name, data in files.items():
            with open(tmp / name, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        backup = None
        if out_dir.exists():
            backup = out_dir.with_name(f".{out_dir.name}.old")
            if backup.exists():
                shutil.rmtree(backup)
            out_dir.rename(backup)
        tmp.rename(out_dir)
        if backup is not None:
            shutil.rmtree(backup)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return out_dir


def pack_bundle(bundle_dir: str | os.PathLike, out_path: str | os.PathLike) -> Path:
    """Zip a validated bundle folder into one ``.wwb`` file (deterministic member order and times)."""
    bundle = load_bundle(bundle_dir)
    out_path = Path(out_path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(bundle.files):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, bundle.files[name])
    return write_bytes_atomically(out_path, buffer.getvalue())
