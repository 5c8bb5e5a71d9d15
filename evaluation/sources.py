"""Audio inputs of the suite: finding files, checking them, cutting streams into shards.

Long streams are read in blocks (``soundfile`` + ``soxr`` streaming resampler), so
memory does not grow with the length of a file or of a stream.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from wakeword import dsp
from wakeword.audio import RAW_SUFFIXES, SAMPLE_RATE_HZ, to_int16
from wakeword.errors import AudioError

from . import EvaluationError

AUDIO_SUFFIXES = dsp.AUDIO_SUFFIXES + RAW_SUFFIXES
BLOCK_SECONDS = 30


def resolve_input(path: str | os.PathLike, *, what: str) -> Path:
    """An existing file or folder; ``noise/kitchen`` also finds ``noise/kitchen.flac``.

    Raises
    ------
    EvaluationError
        Nothing of that name exists.
    """
    path = Path(path)
    if path.exists():
        return path
    if not path.suffix:
        matches = [path.with_name(path.name + s) for s in AUDIO_SUFFIXES if path.with_name(path.name + s).is_file()]
        if len(matches) == 1:
            return matches[0]
    raise EvaluationError(f"{what} {path}: no such file or folder")


def find_audio_files(path: str | os.PathLike, *, what: str) -> list[Path]:
    """Audio files of a folder (recursively, sorted) or the file itself.

    Raises
    ------
    EvaluationError
        The path does not exist or holds no audio file.
    """
    path = resolve_input(path, what=what)
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file()
                   and not p.name.startswith("."))
    if not files:
        raise EvaluationError(f"{what} {path}: no audio files ({', '.join(AUDIO_SUFFIXES)}) found")
    return files


#: which clips of a positives folder to use: every clip, or one of two fixed halves
HALVES = ("all", "dev", "test")
#: the salt of :func:`clip_half` (changing it would reshuffle every half: never do it for reported figures)
HALF_SALT = "wakeword-dev-test-1"


def clip_half(path: str | os.PathLike) -> str:
    """The fixed half (``"dev"`` or ``"test"``) a keyword clip belongs to.

    A stable hash of the clip's folder and file name (not its contents or location), so the same
    recording is in the same half on every machine and adding clips never moves others. The dev half
    is for every choice (recipe, threshold rule, design), the test half for reported figures only.

    >>> clip_half("data/eval/positives/alexa/0.flac") == clip_half("/elsewhere/alexa/0.flac")
    True
    """
    path = Path(path)
    digest = hashlib.sha1(f"{HALF_SALT}/{path.parent.name}/{path.name}".encode("utf-8")).digest()
    return "dev" if digest[0] < 128 else "test"


def select_half(files: Sequence[str | os.PathLike], half: str) -> list:
    """The ``files`` of one half (:func:`clip_half`), in input order; ``"all"`` keeps every file.

    Raises
    ------
    EvaluationError
        ``half`` is not one of :data:`HALVES`.
    """
    if half not in HALVES:
        raise EvaluationError(f"half {half!r} is not one of {', '.join(HALVES)}")
    return list(files) if half == "all" else [f for f in files if clip_half(f) == half]


@dataclass(frozen=True)
class AudioInfo:
    """What a file holds, read from its header.

    frames : int
        Samples per channel at ``sample_rate_hz``.
    """

    path: str
    frames: int
    sample_rate_hz: int

    @property
    def samples_16k(self) -> int:
        """Length after resampling to 16 kHz."""
        return int(round(self.frames * SAMPLE_RATE_HZ / self.sample_rate_hz))


def probe_audio(path: str | os.PathLike) -> AudioInfo:
    """Header check of one audio file.

    Raises
    ------
    AudioError
        Empty, unreadable or not audio (the message names the file).
    """
    path = Path(path)
    size = path.stat().st_size if path.is_file() else -1
    if size < 0:
        raise AudioError(f"{path}: no such audio file")
    if size == 0:
        raise AudioError(f"{path}: the file is empty")
    if path.suffix.lower() in RAW_SUFFIXES:
        if size % 2:
            raise AudioError(f"{path}: truncated raw int16 audio ({size} bytes is not a multiple of 2)")
        return AudioInfo(str(path), size // 2, SAMPLE_RATE_HZ)
    import soundfile as sf

    try:
        info = sf.info(str(path))
    except (RuntimeError, sf.LibsndfileError, ValueError, TypeError, OSError) as exc:
        raise AudioError(f"{path}: not readable audio ({exc})") from exc
    if info.frames <= 0 or info.samplerate <= 0:
        raise AudioError(f"{path}: the file holds no audio samples")
    return AudioInfo(str(path), int(info.frames), int(info.samplerate))


@dataclass(frozen=True)
class Piece:
    """Frames ``[start, stop)`` (at the file's own rate) of one audio file."""

    path: str
    start: int
    stop: int
    sample_rate_hz: int

    @property
    def seconds(self) -> float:
        return (self.stop - self.start) / self.sample_rate_hz


def read_blocks(piece: Piece, *, block_seconds: float = BLOCK_SECONDS) -> Iterator[np.ndarray]:
    """16 kHz mono int16 blocks of a piece of a file, never more than ``block_seconds`` at a time.

    Raises
    ------
    AudioError
        The file cannot be read (corrupt, truncated) or holds NaN/Inf.
    """
    path = Path(piece.path)
    if path.suffix.lower() in RAW_SUFFIXES:
        block = int(block_seconds * SAMPLE_RATE_HZ)
        data = np.memmap(path, dtype="<i2", mode="r")
        for start in range(piece.start, piece.stop, block):
            yield np.array(data[start:min(piece.stop, start + block)], dtype=np.int16)
        return
    import soundfile as sf

    rate = piece.sample_rate_hz
    block = max(1, int(block_seconds * rate))
    resampler = None
    if rate != SAMPLE_RATE_HZ:
        import soxr

        resampler = soxr.ResampleStream(rate, SAMPLE_RATE_HZ, 1, dtype="float32", quality="HQ")
    try:
        with sf.SoundFile(str(path)) as fh:
            fh.seek(piece.start)
            remaining = piece.stop - piece.start
            while remaining > 0:
                data = fh.read(min(block, remaining), dtype="float32", always_2d=True)
                if len(data) == 0:
                    raise AudioError(f"{path}: truncated (ended {remaining} frames early)")
                remaining -= len(data)
                mono = data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0]
                if resampler is not None:
                    mono = resampler.resample_chunk(mono, last=remaining == 0)
                yield to_int16(mono, source=str(path))
    except AudioError:
        raise
    except (RuntimeError, sf.LibsndfileError, ValueError, TypeError, OSError) as exc:
        raise AudioError(f"{path}: not readable audio ({exc})") from exc


def read_clip(info: AudioInfo) -> np.ndarray:
    """A whole (short) file as 16 kHz mono int16."""
    blocks = list(read_blocks(Piece(info.path, 0, info.frames, info.sample_rate_hz)))
    return np.concatenate(blocks) if blocks else np.zeros(0, np.int16)


def negative_shards(infos: Sequence[AudioInfo], *, shard_seconds: float,
                    max_seconds: float | None = None) -> list[list[Piece]]:
    """Cut files played back to back into shards of about ``shard_seconds`` each.

    Files longer than a shard are split; the whole is cut at ``max_seconds``.
    Shards depend only on the inputs (never on the number of workers), so results
    are the same for any ``--workers``.
    """
    shards: list[list[Piece]] = []
    current: list[Piece] = []
    current_s = 0.0
    total_s = 0.0
    for info in infos:
        rate = info.sample_rate_hz
        start = 0
        while start < info.frames:
            if max_seconds is not None and total_s >= max_seconds - 1e-9:
                break
            room = shard_seconds - current_s
            if max_seconds is not None:
                room = min(room, max_seconds - total_s)
            take = min(info.frames - start, max(1, int(round(room * rate))))
            current.append(Piece(info.path, start, start + take, rate))
            start += take
            current_s += take / rate
            total_s += take / rate
            if current_s >= shard_seconds - 1e-9:
                shards.append(current)
                current, current_s = [], 0.0
    if current:
        shards.append(current)
    return shards
