"""Where the public corpora come from, under which licence, and how to install them offline.

A :class:`Recipe` names the archives of one corpus (URL, file name, checksums), its
licence and the folder layout it produces. :func:`fetch` never downloads: it takes
the archives from a local mirror folder (fill it with ``wget``/``curl`` on a machine
with internet access), verifies them and extracts them under ``dest``.

Checksums: the LibriSpeech and Speech Commands SHA-256 values are the ones torchaudio
pins for the same URLs; LibriSpeech and MUSAN MD5 values are OpenSLR's published
``md5sum.txt``. Where no checksum is published (MUSAN SHA-256, the Picovoice archive,
which GitHub builds from a moving branch) the field is ``None``: the archive must then
be at least ``min_size_bytes`` (catches HTML error pages and truncated downloads), the
extracted layout is checked, and :func:`fetch` prints the SHA-256 it computed so you can
pin it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from wakeword.errors import AudioError, ConfigError

MARKER_DIR = ".fetched"


@dataclass(frozen=True)
class RemoteFile:
    """One downloadable file of a recipe.

    Parameters
    ----------
    url : str
        Primary download address.
    filename : str
        Name of the file in a mirror folder (and of the download).
    sha256, md5 : str or None
        Expected hex digests; None where no trustworthy value is published.
    min_size_bytes : int or None
        Lower bound on the size, checked always (the only check when no digest is known).
    extract_to : str
        Folder under ``dest`` to unpack into (``"."``: ``dest`` itself).
    mirrors : tuple of str
        Other addresses serving the same file.
    """

    url: str
    filename: str
    sha256: str | None = None
    md5: str | None = None
    min_size_bytes: int | None = None
    extract_to: str = "."
    mirrors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.filename or "/" in self.filename or "\\" in self.filename or self.filename in (".", ".."):
            raise ConfigError(f"recipe file name {self.filename!r} must be a plain file name")
        for name, digest, size in (("sha256", self.sha256, 64), ("md5", self.md5, 32)):
            if digest is not None and (len(digest) != size or any(c not in "0123456789abcdef" for c in digest)):
                raise ConfigError(f"{self.filename}: {name} must be {size} lower-case hex digits, got {digest!r}")
        if PurePosixPath(self.extract_to).is_absolute() or ".." in PurePosixPath(self.extract_to).parts:
            raise ConfigError(f"{self.filename}: extract_to must be a relative path inside dest")


@dataclass(frozen=True)
class Recipe:
    """A corpus: its archives, licence and the layout :func:`fetch` leaves under ``dest``.

    Parameters
    ----------
    name : str
        Registry key, e.g. ``"librispeech-test-clean"``.
    title, homepage, license, license_url, description : str
    files : tuple of RemoteFile
    produces : tuple of str
        Paths (relative to ``dest``) that exist after a successful fetch.
    layout : str
        The produced folder layout, for people.
    use : str
        What this project uses it for (training negatives, noise, evaluation only ...).
    """

    name: str
    title: str
    homepage: str
    license: str
    license_url: str
    description: str
    files: tuple[RemoteFile, ...]
    produces: tuple[str, ...]
    layout: str
    use: str
    citation: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)


_OPENSLR_MIRRORS = ("https://us.openslr.org/resources/{n}/{f}", "https://openslr.elda.org/resources/{n}/{f}")


def _openslr(number: int, filename: str, **kwargs) -> RemoteFile:
    return RemoteFile(url=f"https://www.openslr.org/resources/{number}/{filename}", filename=filename,
                      mirrors=tuple(m.format(n=number, f=filename) for m in _OPENSLR_MIRRORS), **kwargs)


LIBRISPEECH_LAYOUT = """\
LibriSpeech/
  {subset}/<speaker>/<chapter>/<speaker>-<chapter>-<utterance>.flac   16 kHz mono FLAC
  {subset}/<speaker>/<chapter>/<speaker>-<chapter>.trans.txt         transcripts
  SPEAKERS.TXT CHAPTERS.TXT BOOKS.TXT LICENSE.TXT README.TXT"""

RECIPES: dict[str, Recipe] = {r.name: r for r in (
    Recipe(
        name="librispeech-train-clean-100",
        title="LibriSpeech ASR corpus, train-clean-100 (100 h, 251 speakers)",
        homepage="https://www.openslr.org/12/",
        license="CC BY 4.0",
        license_url="https://creativecommons.org/licenses/by/4.0/",
        description="Read English audiobooks (LibriVox), segmented and aligned; 6.3 GB archive.",
        files=(_openslr(12, "train-clean-100.tar.gz",
                        sha256="d4ddd1d5a6ab303066f14971d768ee43278a5f2a0aa43dc716b0e64ecbbbf6e2",
                        md5="2a93770f6d5c6c964bc36631d331a522", min_size_bytes=6_000_000_000),),
        produces=("LibriSpeech/train-clean-100",),
        layout=LIBRISPEECH_LAYOUT.format(subset="train-clean-100"),
        use="training: general-speech negatives (split by speaker)",
        citation="Panayotov et al., LibriSpeech: an ASR corpus based on public domain audio books, ICASSP 2015",
    ),
    Recipe(
        name="librispeech-test-clean",
        title="LibriSpeech ASR corpus, test-clean (5.4 h, 40 speakers)",
        homepage="https://www.openslr.org/12/",
        license="CC BY 4.0",
        license_url="https://creativecommons.org/licenses/by/4.0/",
        description="Read English speech; the Picovoice benchmark's background speech; 346 MB archive.",
        files=(_openslr(12, "test-clean.tar.gz",
                        sha256="39fde525e59672dc6d1551919b1478f724438a95aa55f874b576be21967e6c23",
                        md5="32fa31d27d2e1cad72775fee3f4849a9", min_size_bytes=300_000_000),),
        produces=("LibriSpeech/test-clean",),
        layout=LIBRISPEECH_LAYOUT.format(subset="test-clean"),
        use="evaluation only: false accepts per hour on unseen speakers",
        citation="Panayotov et al., ICASSP 2015",
    ),
    Recipe(
        name="musan",
        title="MUSAN: a music, speech and noise corpus (109 h)",
        homepage="https://www.openslr.org/17/",
        license="CC BY 4.0 (corpus); files keep their own CC / public-domain licences, listed in "
                "musan/*/*/LICENSE",
        license_url="https://creativecommons.org/licenses/by/4.0/",
        description="Background noise (Freesound, Sound Bible), music and speech for augmentation; 11 GB.",
        files=(_openslr(17, "musan.tar.gz", md5="0c472d4fc0c5141eca47ad1ffeb2a7df",
                        min_size_bytes=10_000_000_000),),
        produces=("musan/noise", "musan/music", "musan/speech"),
        layout="""\
musan/
  noise/{free-sound,sound-bible}/noise-*.wav        16 kHz mono WAV, ANNOTATIONS, LICENSE
  music/{fma,fma-western-art,hd-classical,jamendo,rfm}/music-*.wav
  speech/{librivox,us-gov}/speech-*.wav""",
        use="training: noise/ and music/ for mixing at an SNR; speech/ as babble or negatives",
        citation="Snyder, Chen, Povey, MUSAN: A Music, Speech, and Noise Corpus, arXiv:1510.08484",
        notes=("No SHA-256 is published; the MD5 is OpenSLR's.",),
    ),
    Recipe(
        name="speech-commands-v0.02",
        title="Google Speech Commands v0.02 (105 829 one-second utterances, 35 words)",
        homepage="https://www.tensorflow.org/datasets/catalog/speech_commands",
        license="CC BY 4.0",
        license_url="https://creativecommons.org/licenses/by/4.0/",
        description="Crowd-sourced one-word utterances by 2 618 speakers, plus background noise; 2.3 GB.",
        files=(RemoteFile(url="http://download.tensorflow.org/data/speech_commands_v0.02.tar.gz",
                          filename="speech_commands_v0.02.tar.gz",
                          sha256="af14739ee7dc311471de98f5f9d2c9191b18aedfe957f4a6ff791c709868ff58",
                          min_size_bytes=2_000_000_000, extract_to="speech_commands_v0.02",
                          mirrors=("https://storage.googleapis.com/download.tensorflow.org/data/"
                                   "speech_commands_v0.02.tar.gz",)),),
        produces=("speech_commands_v0.02/_background_noise_", "speech_commands_v0.02/testing_list.txt"),
        layout="""\
speech_commands_v0.02/            (the archive has no top folder; fetch adds this one)
  <word>/<speaker>_nohash_<n>.wav   16 kHz mono WAV, 1 s
  _background_noise_/*.wav          noise recordings
  validation_list.txt testing_list.txt LICENSE README.md""",
        use="training: short-word negatives and _background_noise_; evaluation: its own test list",
        citation="Warden, Speech Commands: A Dataset for Limited-Vocabulary Speech Recognition, arXiv:1804.03209",
    ),
    Recipe(
        name="picovoice-wake-word-benchmark",
        title="Picovoice wake-word benchmark recordings",
        homepage="https://github.com/Picovoice/wake-word-benchmark",
        license="Apache-2.0",
        license_url="https://www.apache.org/licenses/LICENSE-2.0",
        description="Crowd-sourced recordings of alexa, computer, jarvis, smart mirror, snowboy and view glass "
                    "by more than 50 speakers (no speaker ids).",
        files=(RemoteFile(url="https://github.com/Picovoice/wake-word-benchmark/archive/refs/heads/master.zip",
                          filename="wake-word-benchmark-master.zip", min_size_bytes=1_000_000),),
        produces=("wake-word-benchmark-master/audio",),
        layout="""\
wake-word-benchmark-master/
  audio/<keyword>/<n>.flac     16 kHz mono FLAC, one utterance with silence around
  README.md LICENSE ...""",
        use="evaluation only: positives of real speakers (never train on them)",
        notes=("GitHub generates the zip from a moving branch, so no checksum can be pinned: fetch checks a "
               "minimum size and the audio/ folder and prints the SHA-256 it saw.",),
    ),
)}


def get_recipe(name: str | Recipe) -> Recipe:
    """The registered recipe called ``name`` (a Recipe passes through)."""
    if isinstance(name, Recipe):
        return name
    try:
        return RECIPES[name]
    except KeyError:
        raise ConfigError(f"unknown dataset recipe {name!r}; known: {', '.join(sorted(RECIPES))}") from None


def file_digests(path: str | os.PathLike) -> tuple[str, str]:
    """(sha256, md5) hex digests of a file, read once in 1 MiB blocks."""
    sha, md5 = hashlib.sha256(), hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            sha.update(block)
            md5.update(block)
    return sha.hexdigest(), md5.hexdigest()


def _download_hint(recipe: Recipe, remote: RemoteFile, mirror: Path | None) -> str:
    where = f"{mirror}/{remote.filename}" if mirror is not None else f"MIRROR/{remote.filename}"
    also = f" (or {remote.mirrors[0]})" if remote.mirrors else ""
    return (f"Download {remote.url}{also} on a machine with internet access, save it as {where}, then run: "
            f"wakeword-data fetch {recipe.name} --dest DEST --mirror {mirror if mirror is not None else 'MIRROR'}")


def locate_in_mirror(recipe: Recipe, remote: RemoteFile, *, mirror: str | os.PathLike | None) -> Path:
    """The archive's path in a mirror folder: ``MIRROR/<file>`` or ``MIRROR/<recipe>/<file>``.

    Raises
    ------
    ConfigError
        No mirror was given, it is not a folder, or the file is not in it; the message
        gives the URL to download and where to put the file.
    """
    if mirror is None:
        raise ConfigError(f"{recipe.name}: this tool does not download. {_download_hint(recipe, remote, None)}")
    root = Path(mirror)
    if not root.is_dir():
        raise ConfigError(f"{recipe.name}: mirror folder {root} does not exist. {_download_hint(recipe, remote, root)}")
    for candidate in (root / remote.filename, root / recipe.name / remote.filename):
        if candidate.is_file():
            return candidate
    raise ConfigError(f"{recipe.name}: {remote.filename} is not in mirror {root} (looked at {root / remote.filename} "
                      f"and {root / recipe.name / remote.filename}). {_download_hint(recipe, remote, root)}")


def verify_file(path: str | os.PathLike, remote: RemoteFile) -> str:
    """Check a file's size and digests against ``remote``; return its SHA-256.

    Raises
    ------
    AudioError
        Too small, or a digest differs (the message names the file, both values and the URL).
    """
    path = Path(path)
    size = path.stat().st_size
    if remote.min_size_bytes is not None and size < remote.min_size_bytes:
        raise AudioError(f"{path}: {size} bytes, expected at least {remote.min_size_bytes}; the download is "
                         f"truncated or an error page. Download it again from {remote.url}")
    sha, md5 = file_digests(path)
    for name, expected, actual in (("sha256", remote.sha256, sha), ("md5", remote.md5, md5)):
        if expected is not None and actual != expected:
            raise AudioError(f"{path}: {name} checksum mismatch: expected {expected}, got {actual}. The file is "
                             f"corrupt or a different version; delete it and download it again from {remote.url}")
    return sha


def _safe_target(root: Path, member: str) -> Path:
    target = (root / member).resolve()
    if target != root and root not in target.parents:
        raise AudioError(f"archive member {member!r} would be written outside {root}; refusing to extract")
    return target


def extract(archive: str | os.PathLike, *, dest: str | os.PathLike) -> None:
    """Unpack a .tar(.gz/.bz2/.xz)/.tgz or .zip archive into ``dest``; other files are copied.

    Members that would land outside ``dest`` (absolute paths, ``..``, links out) are refused.
    """
    archive, root = Path(archive), Path(dest)
    root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()
    try:
        if tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tar:
                for member in tar.getmembers():
                    _safe_target(root, member.name)
                tar.extractall(root, filter="data")
        elif zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                for name in zf.namelist():
                    _safe_target(root, name)
                zf.extractall(root)
        else:
            shutil.copy2(archive, root / archive.name)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as exc:
        raise AudioError(f"{archive}: cannot unpack ({exc}); the archive is damaged, download it again") from exc


def fetch(recipe: str | Recipe, *, dest: str | os.PathLike, mirror: str | os.PathLike | None = None,
          force: bool = False) -> Path:
    """Install a corpus from a local mirror folder into ``dest``.

    For each archive of the recipe: find it in ``mirror`` (``MIRROR/<file>`` or
    ``MIRROR/<recipe>/<file>``), check its size and checksums, unpack it; then check
    that the recipe's ``produces`` paths exist and write ``dest/.fetched/<recipe>.json``
    (a second call returns at once unless ``force``).

    Parameters
    ----------
    recipe : str or Recipe
    dest : path
        Where the corpus goes (created).
    mirror : path or None
        Folder holding the downloaded archives. None is an error that says what to download.
    force : bool
        Verify and unpack again even if already fetched.

    Returns
    -------
    pathlib.Path
        ``dest``.

    Raises
    ------
    ConfigError
        Unknown recipe, no mirror, or an archive missing from it (with the URL to download).
    AudioError
        Size or checksum mismatch, damaged archive, or unexpected layout.
    """
    recipe = get_recipe(recipe)
    dest = Path(dest)
    marker = dest / MARKER_DIR / f"{recipe.name}.json"
    if marker.is_file() and not force and all((dest / p).exists() for p in recipe.produces):
        return dest
    found = [(remote, locate_in_mirror(recipe, remote, mirror=mirror)) for remote in recipe.files]
    record = {"recipe": recipe.name, "license": recipe.license, "files": []}
    for remote, path in found:
        sha = verify_file(path, remote)
        if remote.sha256 is None:
            print(f"{recipe.name}: {remote.filename} has no pinned checksum; its sha256 is {sha}", file=sys.stderr)
        extract(path, dest=dest / remote.extract_to)
        record["files"].append({"filename": remote.filename, "url": remote.url, "sha256": sha,
                                "bytes": path.stat().st_size})
    missing = [p for p in recipe.produces if not (dest / p).exists()]
    if missing:
        raise AudioError(f"{recipe.name}: after unpacking, {', '.join(str(dest / p) for p in missing)} "
                         "is missing; the archive does not have the expected layout (wrong file?)")
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(record, indent=2) + "\n")
    return dest
