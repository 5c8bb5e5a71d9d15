"""Acoustic conditions: clean, noise type x SNR, reverberation, and both.

Conditions
----------
``clean``                 the recordings as they are
``NOISE@SNRdB``           a noise recording added at ``SNR`` dB (see :mod:`evaluation.mixing`)
``reverb``                convolved with a room impulse response (one of ``--rir``, drawn per clip/file)
``reverb+NOISE@SNRdB``    reverberation first, then the noise (the noise is already "in the room")

Positives
---------
Each clip is played with ``context_ms`` (1 s) of digital silence before and after
it; reverberation and noise cover the whole padded clip, so in noisy conditions
the keyword arrives after a second of that noise. The padded clips of a shard
are played back to back into one continuous stream (the engine is never reset
inside a shard, as on a device); each clip is then replayed by a fresh detector
(:class:`evaluation.metrics.PositiveTrial`), so trials do not influence each other.

A clip is *hit* when its keyword is detected between the start of its speech and
the end of its trailing context. Speech start and end come from the energy gate
(:func:`evaluation.mixing.speech_bounds`) on the dry clip; a clip without any
active frame counts from its first to its last sample.

**Latency** is ``detection t_ms - speech end`` (both in stream ms) for the first
hit at the manifest threshold. ``t_ms`` is the end of the newest feature frame of
the triggering model call (see :class:`wakeword.detector.Detection`), so latency
includes the window of the detector but not audio buffering of a device. It can
be negative when the model fires before the (gated) end of a soft final syllable.

Negatives
---------
Negative files are played back to back as long streams (cut into shards, see
:func:`evaluation.sources.negative_shards`). Noise is mixed per block of at most
30 s at the SNR relative to that block's speech (silent blocks keep the
last level, see :class:`evaluation.mixing.NoiseMixer`), from a noise position
drawn at the start of each file and running on continuously within the file;
reverberation uses one impulse response per file (its tail is cut at the file's end).

Reproducibility
---------------
All random choices (noise offsets, impulse responses) come from
:func:`condition_rng`, seeded by ``(seed, condition, kind, shard)``: the same audio
for every model, every run and any number of workers.
"""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from wakeword.dsp import SAMPLE_RATE_HZ
from wakeword.errors import AudioError

from .mixing import NoiseMixer, Reverberator, load_rir, reverberate, speech_bounds, to_int16_no_clip
from .sources import AudioInfo, Piece, find_audio_files, probe_audio, read_blocks, read_clip, resolve_input

CONTEXT_MS = 1000


@dataclass(frozen=True)
class Condition:
    """One acoustic condition.

    name : str
        ``clean``, ``reverb``, ``kitchen@10dB``, ``reverb+kitchen@10dB`` ...
    noise : str or None
        Noise type (a key of :attr:`Ambience.noises`).
    snr_db : float or None
    reverb : bool
    """

    name: str
    noise: str | None = None
    snr_db: float | None = None
    reverb: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def condition_name(*, noise: str | None, snr_db: float | None, reverb: bool) -> str:
    parts = []
    if reverb:
        parts.append("reverb")
    if noise is not None:
        parts.append(f"{noise}@{snr_db:g}dB")
    return "+".join(parts) or "clean"


def build_conditions(*, noise_names: Sequence[str], snrs_db: Sequence[float], reverb: bool) -> list[Condition]:
    """clean; each noise at each SNR; reverb; reverb with each noise at each SNR (if ``reverb``)."""
    out = [Condition("clean")]
    for use_reverb in ([False, True] if reverb else [False]):
        if use_reverb:
            out.append(Condition("reverb", reverb=True))
        for noise in noise_names:
            for snr in snrs_db:
                out.append(Condition(condition_name(noise=noise, snr_db=float(snr), reverb=use_reverb),
                                     noise=noise, snr_db=float(snr), reverb=use_reverb))
    return out


#: the name of a pooled condition's noise: every noise type at one SNR (see :func:`pooled_conditions`)
POOLED_NOISE = "all noise"


@dataclass(frozen=True)
class PooledCondition:
    """Every noise type at one SNR (with or without reverberation), scored with one threshold:
    the members' positive trials and negative hours counted together (``all noise@10dB``)."""

    name: str
    snr_db: float
    reverb: bool
    members: tuple[str, ...]

    def to_dict(self) -> dict:
        return {**asdict(self), "members": list(self.members)}


def pooled_conditions(conditions: Sequence[Condition]) -> list[PooledCondition]:
    """One pooled condition per (SNR, reverb) that two or more noise types share, in condition order."""
    groups: dict[tuple[float, bool], list[str]] = {}
    for c in conditions:
        if c.noise is not None:
            groups.setdefault((float(c.snr_db), c.reverb), []).append(c.name)
    return [PooledCondition(condition_name(noise=POOLED_NOISE, snr_db=snr, reverb=reverb), snr, reverb,
                            tuple(members))
            for (snr, reverb), members in groups.items() if len(members) > 1]


def noise_type_name(path: str | Path) -> str:
    """``noise/kitchen.flac`` -> ``kitchen``; a folder -> its name."""
    path = Path(path)
    return path.stem if path.is_file() else path.name


def condition_rng(seed: int, condition: Condition, kind: str, shard: int) -> np.random.Generator:
    """The generator for one shard of one condition (independent of models and workers)."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, zlib.crc32(condition.name.encode()),
                                  zlib.crc32(kind.encode()), int(shard)])


@dataclass
class Ambience:
    """Noise recordings (int16, per noise type) and prepared impulse responses."""

    noises: dict[str, np.ndarray]
    rirs: list[np.ndarray]

    @classmethod
    def load(cls, *, noise_paths: Sequence[str], rir_paths: Sequence[str]) -> "Ambience":
        """Noise types from files or folders (a folder's files are joined), RIRs from files or folders."""
        noises: dict[str, np.ndarray] = {}
        for path in noise_paths:
            path = resolve_input(path, what="noise")
            files = find_audio_files(path, what="noise")
            noises[noise_type_name(path)] = np.concatenate([read_clip(probe_audio(f)) for f in files])
        rirs = []
        for path in rir_paths:
            for f in find_audio_files(path, what="rir"):
                try:
                    rirs.append(load_rir(read_clip(probe_audio(f))))
                except AudioError as exc:
                    raise AudioError(f"{f}: {exc}") from exc
        return cls(noises, rirs)


@dataclass(frozen=True)
class RenderedClip:
    """A positive clip in a condition, with its context.

    samples : ndarray of int16, shape (n,)
        ``context`` + clip + ``context``, reverberated and/or noisy.
    speech_start, speech_end : int
        Sample indices (in ``samples``) of the dry clip's active speech.
    """

    samples: np.ndarray
    speech_start: int
    speech_end: int


def render_positive(clip: np.ndarray, *, condition: Condition, ambience: Ambience, rng: np.random.Generator,
                    context_ms: int = CONTEXT_MS, mixer: NoiseMixer | None = None,
                    snr_reference: str = "speech") -> RenderedClip:
    """A clip padded with ``context_ms`` of silence on each side, in ``condition``.

    ``mixer`` (for noise conditions) carries the noise level across the clips of a
    stream, for clips too quiet to define an SNR; a fresh one (measuring SNR as
    ``snr_reference`` says, see :mod:`evaluation.mixing`) is used when omitted.
    """
    bounds = speech_bounds(clip) or (0, len(clip))
    pad = np.zeros(context_ms * SAMPLE_RATE_HZ // 1000, dtype=np.int16)
    samples = np.concatenate([pad, np.asarray(clip, dtype=np.int16), pad])
    if condition.reverb:
        rir = ambience.rirs[int(rng.integers(len(ambience.rirs)))]
        samples = to_int16_no_clip(reverberate(samples, rir))
    if condition.noise is not None:
        mixer = mixer or NoiseMixer(snr_db=condition.snr_db, rng=rng, reference=snr_reference)
        samples = mixer.mix(samples, ambience.noises[condition.noise], span=(len(pad), len(pad) + len(clip)))
    return RenderedClip(samples, len(pad) + bounds[0], len(pad) + bounds[1])


class _NoiseCursor:
    """Reads a noise recording continuously (looping) from a position."""

    def __init__(self, noise: np.ndarray, start: int) -> None:
        self.noise = noise
        self.pos = start % len(noise)

    def take(self, n: int) -> np.ndarray:
        index = (self.pos + np.arange(n)) % len(self.noise)
        self.pos = (self.pos + n) % len(self.noise)
        return self.noise[index]


def render_negative(pieces: Sequence[Piece], *, condition: Condition, ambience: Ambience,
                    rng: np.random.Generator, snr_reference: str = "speech") -> Iterator[np.ndarray]:
    """int16 blocks (at most 30 s each) of negative pieces played back to back, in ``condition``
    (SNR measured as ``snr_reference`` says, see :mod:`evaluation.mixing`)."""
    mixer = (NoiseMixer(snr_db=condition.snr_db, rng=rng, reference=snr_reference)
             if condition.noise is not None else None)
    for piece in pieces:
        reverberator = None
        if condition.reverb:
            reverberator = Reverberator(ambience.rirs[int(rng.integers(len(ambience.rirs)))])
        cursor = None
        if condition.noise is not None:
            noise = ambience.noises[condition.noise]
            cursor = _NoiseCursor(noise, int(rng.integers(len(noise))))
        for block in read_blocks(piece):
            if reverberator is not None:
                block = to_int16_no_clip(reverberator.process(block))
            if cursor is not None:
                block = mixer.mix(block, cursor.take(len(block)))
            yield block


def positive_seconds(info: AudioInfo, *, context_ms: int = CONTEXT_MS) -> float:
    """Stream seconds a positive clip takes with its context."""
    return info.samples_16k / SAMPLE_RATE_HZ + 2 * context_ms / 1000
