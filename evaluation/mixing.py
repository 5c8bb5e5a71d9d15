"""Noise and reverberation for evaluation streams, and the gate that finds the end of speech.

SNR
---
By default (``reference="speech"``) the suite uses the project's one definition of
SNR, :func:`wakeword.dsp.mix_at_snr` (pure numpy, shared with training): ``10 log10(P_speech / P_noise)``
with both powers taken over the *active* samples of the speech (20 ms frames within
30 dB of the loudest frame and above -60 dBFS).

Two other references exist for comparing with figures measured other ways
(:func:`noise_gain`); both measure the recorded clip only, not the silence the
suite pads positives with:

* ``reference="peak"``, the convention of Picovoice's wake-word benchmark (whose
  clips the shared eval set holds): ``10 log10(E_speech / E_noise)`` with each ``E``
  the energy of the loudest 512-sample window (32 ms) of the clip and of its noise
  segment. The loudest window of speech is louder than its active mean, so for
  steady noise this is a few dB harsher than ``"speech"`` at the same figure; for
  bursty noise (clatter) the loudest knock sets the level, and it is kinder.
* ``reference="clip"``: mean power over the whole clip, pauses and leading and
  trailing silence included. Noise is then quieter than with ``"speech"`` by about
  the ratio of clip length to speech length (6-8 dB on the eval clips).

A clip below -60 dBFS by the reference's own measure counts as silent.

:class:`NoiseMixer` adapts each to int16 streams:

* a block with no active frame (silence) cannot define an SNR; it gets the noise
  at the gain of the last block mixed in the same stream (no noise before the
  first such block);
* a mix that would clip is scaled down as a whole (the SNR is kept).

Reverberation
-------------
Impulse responses go through :func:`wakeword.dsp.prepare_rir` (aligned to the
direct path so speech does not move in time, unit energy so the level stays about
the same), keeping their full length; :class:`Reverberator` convolves block by
block (overlap-add), equal to a convolution of the whole signal.

The end of speech
-----------------
Latency needs where the *speech* ends, also in recordings whose background is
well above -60 dBFS, so :func:`speech_bounds` uses a gate that follows the noise
floor. Audio is cut into 10 ms frames; a frame's level is
``10 log10(mean(x**2) / 32768**2)`` dBFS (digital silence counts as -120). A frame
is active when its level is at least::

    max(-70 dBFS,                        # never speech below this
        peak - 30 dB,                    # 30 dB below the loudest frame
        min(floor + 10 dB, peak - 10 dB))  # 10 dB above the background, at most 10 dB below the peak

with ``floor`` the 30th percentile of the levels of the frames that are not digital silence.
"""

from __future__ import annotations

import numpy as np

from wakeword.dsp import FULL_SCALE, SAMPLE_RATE_HZ, mix_at_snr, prepare_rir
from wakeword.errors import AudioError, ConfigError

GATE_FRAME_MS = 10
GATE_ABSOLUTE_FLOOR_DBFS = -70.0
GATE_BELOW_PEAK_DB = 30.0
GATE_ABOVE_FLOOR_DB = 10.0
DIGITAL_SILENCE_DBFS = -120.0


def _frame_samples(sample_rate_hz: int) -> int:
    return sample_rate_hz * GATE_FRAME_MS // 1000


def frame_levels_dbfs(samples: np.ndarray, *, sample_rate_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """Level of each complete 10 ms frame.

    Parameters
    ----------
    samples : ndarray, shape (n,)
        int16 audio (or float audio in int16 units).
    sample_rate_hz : int

    Returns
    -------
    ndarray of float64, shape (n // frame,)
        dBFS, at least ``DIGITAL_SILENCE_DBFS``.
    """
    frame = _frame_samples(sample_rate_hz)
    count = len(samples) // frame
    if count == 0:
        return np.zeros(0)
    x = np.asarray(samples[:count * frame], dtype=np.float64).reshape(count, frame)
    power = np.mean(x * x, axis=1) / FULL_SCALE ** 2
    return 10 * np.log10(np.maximum(power, 10 ** (DIGITAL_SILENCE_DBFS / 10)))


def speech_frames(samples: np.ndarray, *, sample_rate_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """The floor-following gate of the module docstring: which 10 ms frames hold speech.

    Returns
    -------
    ndarray of bool, shape (n // frame,)
    """
    levels = frame_levels_dbfs(samples, sample_rate_hz=sample_rate_hz)
    if len(levels) == 0:
        return np.zeros(0, dtype=bool)
    peak = float(levels.max())
    if peak < GATE_ABSOLUTE_FLOOR_DBFS:
        return np.zeros(len(levels), dtype=bool)
    sounding = levels[levels > DIGITAL_SILENCE_DBFS + 1]
    floor = float(np.percentile(sounding, 30)) if len(sounding) else DIGITAL_SILENCE_DBFS
    gate = max(GATE_ABSOLUTE_FLOOR_DBFS, peak - GATE_BELOW_PEAK_DB,
               min(floor + GATE_ABOVE_FLOOR_DB, peak - GATE_ABOVE_FLOOR_DB))
    return levels >= gate


def speech_bounds(samples: np.ndarray, *, sample_rate_hz: int = SAMPLE_RATE_HZ) -> tuple[int, int] | None:
    """First and one-past-last sample of the speech (gate above), or None if there is none.

    Returns
    -------
    (start, end) : sample indices, ``0 <= start < end <= len(samples)``: the bounds of
        the first and the last active 10 ms frame.
    """
    active = np.flatnonzero(speech_frames(samples, sample_rate_hz=sample_rate_hz))
    if len(active) == 0:
        return None
    frame = _frame_samples(sample_rate_hz)
    return int(active[0] * frame), int((active[-1] + 1) * frame)


def to_int16_no_clip(x: np.ndarray, *, scale: float = 1.0) -> np.ndarray:
    """``x * scale`` as int16, scaled down as a whole if it would clip."""
    x = np.asarray(x, dtype=np.float64) * scale
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    if peak > 32767:
        x = x * (32767 / peak)
    return np.rint(x).astype(np.int16)


def noise_segment(noise: np.ndarray, length: int, *, rng: np.random.Generator) -> np.ndarray:
    """``length`` samples of ``noise`` from a random start (looping over its end when needed);
    ``noise`` itself when it already has that length."""
    noise = np.asarray(noise)
    if len(noise) == 0:
        raise AudioError("the noise is empty")
    if len(noise) == length:
        return noise
    start = int(rng.integers(0, len(noise)))
    return noise[(start + np.arange(length)) % len(noise)]


#: how an SNR is measured (module docstring): active speech, loudest 512-sample windows, whole clip
SNR_REFERENCES = ("speech", "peak", "clip")
PEAK_WINDOW_SAMPLES = 512
SILENT_DBFS = -60.0


def check_snr_reference(reference: str) -> str:
    """``reference`` if it is one of :data:`SNR_REFERENCES`; a ConfigError naming the choices otherwise."""
    if reference not in SNR_REFERENCES:
        raise ConfigError(f"unknown SNR reference {reference!r}: use one of {', '.join(SNR_REFERENCES)}")
    return reference


def peak_window_energy(x: np.ndarray, *, window: int = PEAK_WINDOW_SAMPLES) -> float:
    """Energy (sum of squares) of the loudest complete ``window``-sample window of ``x``
    (of all of ``x`` when it is shorter than one window)."""
    x = np.asarray(x, dtype=np.float64)
    count = len(x) // window
    if count == 0:
        return float(np.sum(x * x))
    frames = x[:count * window].reshape(count, window)
    return float(np.max(np.einsum("ij,ij->i", frames, frames)))


def noise_gain(speech: np.ndarray, noise: np.ndarray, *, snr_db: float, reference: str) -> float:
    """The factor ``g`` for which ``speech + g * noise`` has ``snr_db``, for ``reference`` ``"peak"``
    (loudest 512-sample windows) or ``"clip"`` (mean power over all samples); float audio in [-1, 1],
    same length.

    Raises
    ------
    AudioError
        ``speech`` is silent (below -60 dBFS by the same measure) or ``noise`` is all zeros.
    ConfigError
        ``snr_db`` is not finite, or an unknown ``reference``.
    """
    speech = np.asarray(speech, dtype=np.float64)
    noise = np.asarray(noise, dtype=np.float64)
    if len(noise) != len(speech) or len(speech) == 0:
        raise AudioError(f"noise has {len(noise)} samples, speech {len(speech)}")
    if not np.isfinite(snr_db):
        raise ConfigError(f"snr_db must be finite, got {snr_db}")
    if reference == "peak":
        window = min(PEAK_WINDOW_SAMPLES, len(speech))
        e_speech = peak_window_energy(speech, window=window)
        e_noise = peak_window_energy(noise, window=window)
    elif reference == "clip":
        window = len(speech)
        e_speech, e_noise = float(np.sum(speech * speech)), float(np.sum(noise * noise))
    else:
        raise ConfigError(f"noise_gain: reference must be 'peak' or 'clip', got {reference!r}")
    if e_speech <= window * 10 ** (SILENT_DBFS / 10):
        raise AudioError(f"the speech is silent: below {SILENT_DBFS:g} dBFS, it defines no SNR")
    if e_noise <= 0:
        raise AudioError("the noise is silent")
    return float(np.sqrt(e_speech / (e_noise * 10 ** (snr_db / 10))))


class NoiseMixer:
    """Adds noise at ``snr_db`` to int16 blocks, the SNR measured as ``reference`` says.

    Parameters
    ----------
    snr_db : float
        Wanted SNR, in dB.
    rng : numpy.random.Generator
        Chooses where in the noise a segment starts when the noise is not cut already.
    reference : {"speech", "peak", "clip"}
        ``"speech"``: active speech power over noise power (:func:`wakeword.dsp.mix_at_snr`);
        ``"peak"``: loudest 512-sample windows; ``"clip"``: mean power of the whole clip
        (:func:`noise_gain`).
    """

    def __init__(self, *, snr_db: float, rng: np.random.Generator, reference: str = "speech") -> None:
        check_snr_reference(reference)
        if not np.isfinite(snr_db):
            raise ConfigError(f"snr_db must be finite, got {snr_db}")
        self.snr_db = float(snr_db)
        self.rng = rng
        self.reference = reference
        self.gain: float | None = None  # noise gain of the last block that had speech

    def mix(self, block: np.ndarray, noise: np.ndarray, *, span: tuple[int, int] | None = None) -> np.ndarray:
        """``block`` (int16, shape (n,)) plus noise (int16; a segment of n samples is used).

        ``span`` (start, end): the samples of ``block`` that the ``"peak"`` and ``"clip"``
        references measure, speech and noise alike (a recorded clip without the context
        the suite pads it with); all of them when None. ``"speech"`` needs none: silence
        is never active.

        Returns
        -------
        ndarray of int16, shape (n,)
        """
        speech = np.asarray(block, dtype=np.float32) / np.float32(FULL_SCALE)
        segment = noise_segment(noise, len(speech), rng=self.rng).astype(np.float32) / np.float32(FULL_SCALE)
        try:
            if self.reference == "speech":
                mixed = mix_at_snr(speech, segment, snr_db=self.snr_db, rng=self.rng)
            else:
                lo, hi = (0, len(speech)) if span is None else span
                gain = noise_gain(speech[lo:hi], segment[lo:hi], snr_db=self.snr_db, reference=self.reference)
                mixed = speech + np.float32(gain) * segment
        except AudioError:
            if not np.any(segment):
                raise
            if self.gain is None:   # silence before any speech: nothing defines the noise level yet
                return np.asarray(block, dtype=np.int16)
            mixed = speech + np.float32(self.gain) * segment
        else:
            added = mixed.astype(np.float64) - speech
            self.gain = float(np.sqrt(np.sum(added * added) / max(float(np.sum(segment.astype(np.float64) ** 2)),
                                                                  1e-30)))
        return to_int16_no_clip(mixed, scale=FULL_SCALE)


def mix_int16_at_snr(speech: np.ndarray, noise: np.ndarray, *, snr_db: float,
                     rng: np.random.Generator, reference: str = "speech") -> np.ndarray:
    """One clip: int16 speech plus int16 noise at ``snr_db`` (see :class:`NoiseMixer`)."""
    return NoiseMixer(snr_db=snr_db, rng=rng, reference=reference).mix(speech, noise)


def load_rir(samples: np.ndarray) -> np.ndarray:
    """An impulse response (int16 or float) prepared by :func:`wakeword.dsp.prepare_rir`, full length."""
    x = np.asarray(samples)
    x = x.astype(np.float32) / np.float32(FULL_SCALE) if x.dtype == np.int16 else x.astype(np.float32)
    return prepare_rir(x, max_seconds=max(1.0, len(x) / SAMPLE_RATE_HZ)).astype(np.float64)


class Reverberator:
    """Block-wise convolution with one prepared impulse response (overlap-add, exact).

    Feeding a signal in blocks gives the first ``n`` samples of its full
    convolution; the tail that spills past a block is added to the next one.
    """

    def __init__(self, rir: np.ndarray) -> None:
        self.rir = np.asarray(rir, dtype=np.float64)
        self._tail = np.zeros(0)

    def process(self, block: np.ndarray) -> np.ndarray:
        """Next ``len(block)`` output samples (float64, same units as the input)."""
        from scipy.signal import oaconvolve

        x = np.asarray(block, dtype=np.float64)
        if len(x) == 0:
            return x
        y = oaconvolve(x, self.rir)
        n = min(len(self._tail), len(y))
        y[:n] += self._tail[:n]
        self._tail = y[len(x):]
        return y[:len(x)]


def reverberate(samples: np.ndarray, rir: np.ndarray) -> np.ndarray:
    """The first ``len(samples)`` samples of the convolution with a prepared impulse response."""
    return Reverberator(rir).process(samples)
