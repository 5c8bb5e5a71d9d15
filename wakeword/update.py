"""Model updates: fetch a bundle, verify it, install it atomically, roll back.

Layout under ``install_dir``::

    <name>/current     the installed bundle (a .wwb archive; load it with load_bundle)
    <name>/previous    the bundle it replaced, kept for :func:`rollback`
    <name>/.lock       serializes installers of the same name
    .download-*/       an installer's private staging folder (the download), locked by
                       it while it runs; one left by a killed installer is removed by
                       the next install
    .lock              serializes creating and cleaning up staging folders

Every install writes a complete new archive to a temporary file beside ``current``,
fsyncs it, re-verifies it, and renames it over ``current``; a crash or kill at any
moment leaves ``current`` either the old or the new bundle, never a mix. What is
installed is re-packed from the verified members, so it is exactly what was checked.

Checks before anything is written: the signature (:class:`wakeword.signing.TrustPolicy`),
sizes and sha256 (:func:`wakeword.bundle.load_bundle`), compatibility with this runtime
(manifest format, feature settings equal to :class:`wakeword.config.FeatureConfig`, a
model the interpreter loads and whose tensors match the manifest) and the version:
it must be greater than the installed one unless ``force``.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

from .bundle import Bundle, load_bundle
from .config import FORMAT_VERSION, FeatureConfig, Manifest
from .errors import BundleError
from .signing import TrustPolicy, zip_members

CURRENT_NAME = "current"
PREVIOUS_NAME = "previous"
LOCK_NAME = ".lock"
#: prefix of an installer's staging folder in ``install_dir`` (it holds the download)
STAGING_PREFIX = ".download-"
#: a bundle holds at most a 16 MiB model plus small files; anything larger is refused
MAX_DOWNLOAD_BYTES = 20 << 20
#: seconds any single network operation (connect, read) may take
DOWNLOAD_TIMEOUT_S = 30.0
#: seconds a whole download may take (a server trickling bytes is cut off)
DOWNLOAD_DEADLINE_S = 300.0
URL_SCHEMES = ("http", "https")
_CHUNK_BYTES = 64 << 10
#: test hook: when set, the installer stops half-way through writing the new archive,
#: creates the file this variable names, and sleeps (tests then SIGKILL it)
STALL_ENV = "WAKEWORD_UPDATE_TEST_STALL_FILE"


class DowngradeError(BundleError):
    """The offered bundle is not newer than the installed one (and ``force`` was not given)."""


@dataclass(frozen=True)
class InstallResult:
    """What :func:`install_update` or :func:`rollback` left installed."""

    name: str
    version: str
    previous_version: str | None
    path: Path


# --- sources ----------------------------------------------------------------------------

def is_url(source: str | os.PathLike) -> bool:
    """Whether ``source`` names a URL (``scheme://...``) rather than a local path."""
    return isinstance(source, str) and "://" in source


def download(url: str, dest: str | os.PathLike, *, timeout_s: float = DOWNLOAD_TIMEOUT_S,
             deadline_s: float = DOWNLOAD_DEADLINE_S, max_bytes: int = MAX_DOWNLOAD_BYTES) -> Path:
    """Fetch ``url`` (http or https) into the file ``dest``, at most ``max_bytes`` bytes.

    Raises
    ------
    BundleError
        Unsupported scheme, network or HTTP error, timeout, or a body over ``max_bytes``.
    """
    dest = Path(dest)
    try:
        scheme = urllib.parse.urlsplit(url).scheme.lower()
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise BundleError(f"{url!r}: not a valid URL ({exc})") from exc
    if scheme not in URL_SCHEMES:
        raise BundleError(f"{url!r}: only {' and '.join(URL_SCHEMES)} URLs can be fetched")
    if not url.isascii():
        raise BundleError(f"{url!r}: a URL must be ASCII (percent-encode other characters)")
    stop_at = time.monotonic() + deadline_s
    try:
        with _opener().open(urllib.request.Request(url, headers={"User-Agent": "wakeword-update"}),
                            timeout=timeout_s) as response:
            declared = response.headers.get("Content-Length")
            if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
                raise BundleError(f"{url}: {int(declared)} bytes is larger than a bundle may be ({max_bytes})")
            total = 0
            with open(dest, "wb") as fh:
                while True:
                    if time.monotonic() > stop_at:
                        raise BundleError(f"{url}: download took longer than {deadline_s:g} s")
                    chunk = response.read(min(_CHUNK_BYTES, max_bytes + 1 - total))
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > max_bytes:
                        raise BundleError(f"{url}: more than {max_bytes} bytes; a bundle is never this large")
                    fh.write(chunk)
    except BundleError:
        raise
    except urllib.error.HTTPError as exc:
        raise BundleError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise BundleError(f"{url}: cannot download ({exc.reason})") from exc
    except (http.client.HTTPException, OSError, ValueError) as exc:  # timeouts are OSError
        raise BundleError(f"{url}: cannot download ({type(exc).__name__}: {exc})") from exc
    return dest


def _opener() -> urllib.request.OpenerDirector:
    """An opener for http(s) only: redirects to file:, ftp: or data: URLs fail."""
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(),
                    urllib.request.HTTPRedirectHandler(), urllib.request.HTTPDefaultErrorHandler(),
                    urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


# --- checks -----------------------------------------------------------------------------

def check_compatible(bundle: Bundle) -> None:
    """Raise BundleError unless this runtime can run ``bundle`` exactly as its manifest says."""
    manifest = bundle.manifest
    if manifest.format_version != FORMAT_VERSION:
        raise BundleError(f"{bundle.source}: manifest format {manifest.format_version}, "
                          f"this runtime reads {FORMAT_VERSION}")
    if manifest.features != FeatureConfig():
        raise BundleError(f"{bundle.source}: feature settings {manifest.features} differ from this runtime's "
                          f"{FeatureConfig()}")
    from .model import ModelRunner  # LiteRT is needed only here

    ModelRunner(bundle.model_bytes, manifest.model, source=bundle.source)


def version_key(manifest: Manifest, *, source: str = "bundle") -> tuple[int, int, int]:
    """The manifest's version as a comparable tuple (BundleError if it does not parse)."""
    try:
        return manifest.version_tuple
    except ValueError as exc:  # e.g. non-ASCII digits that str.isdigit accepts
        raise BundleError(f"{source}: version {manifest.version!r} is not MAJOR.MINOR.PATCH in ASCII digits") from exc


def _slot_dir(install_dir: str | os.PathLike, name: str) -> Path:
    # Manifest names use letters, digits, '-', '_' and '.'; '.' and '..' (and hidden names)
    # would escape or hide the install folder.
    if not name or name.startswith(".") or "/" in name or "\\" in name:
        raise BundleError(f"bundle name {name!r} cannot be installed (empty, hidden or a path)")
    return Path(install_dir) / name


# --- installed state --------------------------------------------------------------------

def installed_version(install_dir: str | os.PathLike, name: str) -> str | None:
    """Version of the installed bundle ``name``, or None when none is installed."""
    current = _slot_dir(install_dir, name) / CURRENT_NAME
    if not current.exists():
        return None
    return load_bundle(current).manifest.version


def installed_path(install_dir: str | os.PathLike, name: str) -> Path:
    """Path of the installed bundle ``name`` (for :func:`wakeword.bundle.load_bundle`)."""
    return _slot_dir(install_dir, name) / CURRENT_NAME


@contextlib.contextmanager
def _locked(slot: Path) -> Iterator[None]:
    slot.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock between processes
        yield
        return
    with open(slot / LOCK_NAME, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _remove_stale_temporaries(slot: Path) -> None:
    """Temporary files of an installer that was killed (run under the lock)."""
    for child in slot.iterdir():
        if child.name.startswith((f".{CURRENT_NAME}.tmp-", f".{PREVIOUS_NAME}.tmp-")):
            child.unlink()


def _try_lock(path: Path) -> IO[bytes] | None:
    """An open file holding an exclusive flock on ``path``, or None when another process holds it."""
    import fcntl

    fh = open(path, "a+b")
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # BlockingIOError: its installer is alive
        fh.close()
        return None
    return fh


def _remove_stale_staging(install_dir: Path) -> list[Path]:
    """Staging folders of installers that died (killed mid-download): their lock is free.

    Run under ``install_dir``'s lock, which every installer also holds while it creates
    and locks its own staging folder, so a live installer's folder is never seen unlocked.
    """
    removed = []
    for child in sorted(install_dir.iterdir()):
        if not child.name.startswith(STAGING_PREFIX) or child.is_symlink() or not child.is_dir():
            continue
        try:
            fh = _try_lock(child / LOCK_NAME)  # creates the lock file in a folder killed before it had one
        except OSError:
            continue  # not ours to judge (permissions): leave it
        if fh is None:
            continue
        with fh:
            shutil.rmtree(child, ignore_errors=True)
        removed.append(child)
    return removed


@contextlib.contextmanager
def _staging_dir(install_dir: Path) -> Iterator[Path]:
    """A private folder in ``install_dir`` for the download, removed afterwards.

    It stays locked for as long as this installer lives, so that the next installer can
    tell a folder left behind by a killed one (lock free: removed) from a running one's.
    """
    try:
        import fcntl  # noqa: F401
    except ImportError:  # pragma: no cover - not POSIX: no way to tell a dead installer's folder
        with tempfile.TemporaryDirectory(prefix=STAGING_PREFIX, dir=install_dir) as staging:
            yield Path(staging)
        return
    with _locked(install_dir):
        _remove_stale_staging(install_dir)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=install_dir))
        lock = _try_lock(staging / LOCK_NAME)  # nobody else can know the folder yet
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if lock is not None:
            lock.close()


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":  # pragma: no cover
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durably(path: Path, data: bytes) -> None:
    """Write ``data`` to the new file ``path`` and fsync it (honouring the test stall hook)."""
    stall_file = os.environ.get(STALL_ENV)
    stall_at = len(data) // 2 if stall_file else -1
    with open(path, "xb") as fh:
        for start in range(0, len(data), _CHUNK_BYTES):
            if 0 <= stall_at < start + _CHUNK_BYTES:
                fh.write(data[start:stall_at])
                fh.flush()
                os.fsync(fh.fileno())
                Path(stall_file).touch()
                while True:  # pragma: no cover - the test kills this process here
                    time.sleep(3600)
            fh.write(data[start:start + _CHUNK_BYTES])
        fh.flush()
        os.fsync(fh.fileno())


def _copy_durably(src: Path, dest: Path) -> None:
    _write_durably(dest, src.read_bytes())


# --- install and rollback ---------------------------------------------------------------

def install_update(source: str | os.PathLike, *, install_dir: str | os.PathLike, trust: TrustPolicy,
                   force: bool = False, timeout_s: float = DOWNLOAD_TIMEOUT_S,
                   max_bytes: int = MAX_DOWNLOAD_BYTES) -> InstallResult:
    """Verify the bundle at ``source`` and install it as ``install_dir/<name>/current``.

    Parameters
    ----------
    source : http(s) URL of a ``.wwb``, or a local bundle folder or ``.wwb`` file.
    install_dir : folder holding installed bundles, one subfolder per bundle name.
    trust : the keys whose signatures are accepted (and whether unsigned bundles are).
    force : install even when the version is not newer than the installed one.
    timeout_s, max_bytes : per-operation network timeout and download size cap.

    Raises
    ------
    SignatureError
        Missing (unless allowed), untrusted or non-matching signature.
    DowngradeError
        The version is not greater than the installed one and ``force`` is false.
    BundleError
        Download failure, corrupt or incompatible bundle.
    """
    if not isinstance(trust, TrustPolicy):
        raise TypeError("install_update: trust must be a wakeword.signing.TrustPolicy")
    install_dir = Path(install_dir)
    install_dir.mkdir(parents=True, exist_ok=True)
    with _staging_dir(install_dir) as staging:
        if is_url(source):
            path = download(str(source), staging / "bundle.wwb", timeout_s=timeout_s, max_bytes=max_bytes)
        else:
            path = Path(source)
            if not path.exists():
                raise BundleError(f"{path}: no such bundle file or folder")
        try:
            bundle = load_bundle(path, trust=trust)
            check_compatible(bundle)
        except BundleError as exc:
            if path == Path(source):
                raise
            raise type(exc)(f"{source} (downloaded): {exc}") from exc  # name the URL, same error type
    manifest = bundle.manifest
    new_version = version_key(manifest, source=str(source))
    slot = _slot_dir(install_dir, manifest.name)
    current, previous = slot / CURRENT_NAME, slot / PREVIOUS_NAME
    with _locked(slot):
        _remove_stale_temporaries(slot)
        old = _readable_manifest(current)
        if old is not None and not force and new_version <= old.version_tuple:
            raise DowngradeError(f"{source}: {manifest.name} {manifest.version} is not newer than the "
                                 f"installed {old.version} (use force to install it anyway)")
        tmp = slot / f".{CURRENT_NAME}.tmp-{os.getpid()}"
        try:
            _write_durably(tmp, zip_members(bundle.files))
            written = load_bundle(tmp, trust=trust)
            if written.files != bundle.files:  # pragma: no cover - disk or memory corruption
                raise BundleError(f"{tmp}: the written archive differs from the verified bundle")
            if old is not None:  # a damaged current is replaced, not kept as previous
                tmp_previous = slot / f".{PREVIOUS_NAME}.tmp-{os.getpid()}"
                _copy_durably(current, tmp_previous)
                os.replace(tmp_previous, previous)
            os.replace(tmp, current)
            _fsync_dir(slot)
        finally:
            if tmp.exists():
                tmp.unlink()
    return InstallResult(name=manifest.name, version=manifest.version,
                         previous_version=old.version if old is not None else None, path=current)


def _readable_manifest(current: Path) -> Manifest | None:
    """Manifest of the installed bundle, or None when nothing (readable) is installed:
    a damaged ``current`` must not block the install that repairs it."""
    if not current.exists():
        return None
    try:
        manifest = load_bundle(current).manifest
        version_key(manifest, source=str(current))
    except BundleError:
        return None
    return manifest


def rollback(install_dir: str | os.PathLike, name: str) -> InstallResult:
    """Swap ``current`` and ``previous`` of bundle ``name`` (a second rollback undoes the first).

    Raises BundleError when there is no previous version or it fails validation.
    """
    slot = _slot_dir(install_dir, name)
    current, previous = slot / CURRENT_NAME, slot / PREVIOUS_NAME
    if not slot.is_dir():
        raise BundleError(f"{slot}: {name} is not installed")
    with _locked(slot):
        _remove_stale_temporaries(slot)
        if not previous.exists():
            raise BundleError(f"{slot}: no previous version of {name} to roll back to")
        restored = load_bundle(previous).manifest.version
        replaced = _readable_manifest(current)
        tmp_previous = slot / f".{PREVIOUS_NAME}.tmp-{os.getpid()}"
        try:
            if current.exists():
                _copy_durably(current, tmp_previous)
            os.replace(previous, current)
            if tmp_previous.exists():
                os.replace(tmp_previous, previous)
            _fsync_dir(slot)
        finally:
            if tmp_previous.exists():
                tmp_previous.unlink()
    return InstallResult(name=name, version=restored,
                         previous_version=replaced.version if replaced is not None else None, path=current)
