"""Split manifests: which audio file belongs to train, validation or test, as JSON.

Files are grouped by speaker when the corpus encodes one in its file names
(LibriSpeech ``<speaker>-<chapter>-<utt>.flac``, Speech Commands
``<speaker>_nohash_<n>.wav``, this project's recordings ``<speaker>/<n>.wav`` when
``--speaker-from-folder`` is given); otherwise each file is its own group. A group
goes to a split by a hash of its name, so a speaker never appears in two splits and
adding files never moves existing ones (the scheme of Speech Commands'
``which_set``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Callable, Mapping, Sequence

from wakeword.dsp import AUDIO_SUFFIXES
from wakeword.errors import AudioError, ConfigError

MANIFEST_FORMAT = 1
_LIBRISPEECH = re.compile(r"^(\d+)-(\d+)-(\d+)$")
_SPEECH_COMMANDS = re.compile(r"^([0-9a-f]{8})_nohash_\d+$")


def speaker_from_name(path: str | os.PathLike) -> str | None:
    """The speaker id a known corpus encodes in the file name, else None.

    >>> speaker_from_name("LibriSpeech/test-clean/1089/134686/1089-134686-0000.flac")
    'librispeech:1089'
    >>> speaker_from_name("yes/0a7c2a8d_nohash_0.wav")
    'speech-commands:0a7c2a8d'
    """
    stem = Path(path).stem
    m = _LIBRISPEECH.match(stem)
    if m:
        return f"librispeech:{m.group(1)}"
    m = _SPEECH_COMMANDS.match(stem)
    if m:
        return f"speech-commands:{m.group(1)}"
    return None


def speaker_from_folder(path: str | os.PathLike) -> str:
    """The name of the folder holding the file (recordings stored as ``<speaker>/<n>.wav``)."""
    return f"folder:{Path(path).parent.name}"


def check_fractions(fractions: Mapping[str, float]) -> dict[str, float]:
    """Validate split fractions: names non-empty, values in [0, 1], summing to 1."""
    if not fractions:
        raise ConfigError("at least one split is needed")
    out = {}
    for name, value in fractions.items():
        if not name or not re.match(r"^[A-Za-z0-9_.-]+$", name):
            raise ConfigError(f"bad split name {name!r}")
        if not 0.0 <= float(value) <= 1.0:
            raise ConfigError(f"split {name}: fraction {value} is outside 0..1")
        out[name] = float(value)
    total = sum(out.values())
    if abs(total - 1.0) > 1e-6:
        raise ConfigError(f"split fractions must add up to 1, they add up to {total:g}")
    return out


def assign_split(group: str, *, fractions: Mapping[str, float], salt: str = "") -> str:
    """The split of a group: a stable hash of ``salt + group`` mapped onto the cumulative fractions."""
    fractions = check_fractions(fractions)
    digest = hashlib.sha1((salt + group).encode("utf-8")).hexdigest()
    point = int(digest[:12], 16) / float(1 << 48)
    edge = 0.0
    names = list(fractions)
    for name in names:
        edge += fractions[name]
        if point < edge:
            return name
    return names[-1]


def split_files(files: Sequence[str | os.PathLike], *, root: str | os.PathLike, fractions: Mapping[str, float],
                speaker_of: Callable[[Path], str | None] = speaker_from_name,
                salt: str = "") -> dict[str, list[str]]:
    """Assign files to splits, keeping each speaker (group) in one split.

    Parameters
    ----------
    files : sequence of paths under ``root`` (absolute, relative to the working folder, or relative to ``root``)
    root : path
        Paths in the result are relative to it (POSIX separators).
    fractions : mapping of split name to fraction (summing to 1), e.g. ``{"train": 0.8, "dev": 0.1, "test": 0.1}``
    speaker_of : callable
        Path -> speaker id or None (None: the file is its own group).
    salt : str
        Changes the assignment as a whole (another random split).

    Returns
    -------
    dict of split name to sorted list of relative paths (every split present, maybe empty)
    """
    fractions = check_fractions(fractions)
    root = Path(root).resolve()
    out: dict[str, list[str]] = {name: [] for name in fractions}
    for f in files:
        path = Path(f)
        try:
            full = path if path.is_absolute() or path.exists() else root / path
            rel = full.resolve().relative_to(root).as_posix()
        except ValueError:
            raise ConfigError(f"{path} is not inside {root}") from None
        group = speaker_of(path) or f"file:{rel}"
        out[assign_split(group, fractions=fractions, salt=salt)].append(rel)
    return {name: sorted(paths) for name, paths in out.items()}


def find_audio(root: str | os.PathLike, *, suffixes: Sequence[str] = AUDIO_SUFFIXES) -> list[Path]:
    """Every audio file under ``root`` (recursive, sorted)."""
    root = Path(root)
    if not root.is_dir():
        raise ConfigError(f"folder {root} does not exist")
    wanted = {s.lower() for s in suffixes}
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in wanted)


def write_manifest(root: str | os.PathLike, *, out: str | os.PathLike, fractions: Mapping[str, float],
                   speaker_from: str = "name", salt: str = "") -> dict:
    """Split every audio file under ``root`` and write the manifest as JSON.

    Parameters
    ----------
    root : path
    out : path of the JSON file (parent folders are created)
    fractions : mapping of split name to fraction
    speaker_from : {"name", "folder", "none"}
        Speaker ids from known file-name patterns, from the parent folder, or none
        (every file its own group).
    salt : str

    Returns
    -------
    dict
        The manifest: ``format``, ``root``, ``group_by``, ``fractions``, ``salt``,
        ``counts`` ({split: {"files", "speakers"}}) and ``splits`` ({split: [relative paths]}).

    Raises
    ------
    ConfigError
        Bad fractions, unknown ``speaker_from``, or ``root`` is not a folder.
    AudioError
        No audio file under ``root``.
    """
    choices = {"name": speaker_from_name, "folder": speaker_from_folder, "none": lambda p: None}
    if speaker_from not in choices:
        raise ConfigError(f"speaker_from must be one of {', '.join(choices)}, got {speaker_from!r}")
    root = Path(root)
    files = find_audio(root)
    if not files:
        raise AudioError(f"no audio files ({', '.join(AUDIO_SUFFIXES)}) under {root}")
    speaker_of = choices[speaker_from]
    splits = split_files(files, root=root, fractions=fractions, speaker_of=speaker_of, salt=salt)
    known = sum(1 for f in files if speaker_of(f) is not None)
    counts = {}
    for name, rels in splits.items():
        speakers = {speaker_of(root / r) for r in rels} - {None}
        counts[name] = {"files": len(rels), "speakers": len(speakers)}
    manifest = {"format": MANIFEST_FORMAT, "root": str(root.resolve()),
                "group_by": "speaker" if known == len(files) else ("speaker+file" if known else "file"),
                "fractions": check_fractions(fractions), "salt": salt, "counts": counts, "splits": splits}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def read_manifest(path: str | os.PathLike) -> dict:
    """A manifest written by :func:`write_manifest` (format checked)."""
    path = Path(path)
    try:
        manifest = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not a readable split manifest ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT or "splits" not in manifest:
        raise ConfigError(f"{path}: not a split manifest of format {MANIFEST_FORMAT}")
    return manifest
