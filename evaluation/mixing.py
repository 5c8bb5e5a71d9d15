"""Noise and reverberation for evaluation streams, and the gate that finds the end of speech.

SNR
---
The suite uses the project's one definition of SNR, :func:`training.augment.mix_at_snr`
(pure numpy): ``10 log10(P_speech / P_noise)`` with both powers taken over the
*active* samples of the speech (20 ms frames within 30 dB of the loudest frame
and above -60 dBFS). :class:`NoiseMixer` only adapts it to int16 streams:

* a block with no active frame (silence) cannot define an SNR; it gets the noise
  at the gain of the last block mixed in the same stream (no noise before the
  first such block);
* a mix that would clip is scaled down as a whole (the SNR is kept).

Reverberation
-------------
Impulse responses go through :func:`training.augment.prepare_rir` (aligned to the
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

from wakeword.errors import AudioError

GATE_FRAME_MS = 10
GATE_ABSOLUTE_FLOOR_DBFS = -70.0
GATE_BELOW_PEAK_DB = 30.0
GATE_ABOVE_FLOOR_DB = 10.0
DIGITAL_SILENCE_DBFS = -120.0
FULL_SCALE = 32768.0
SAMPLE_RATE_HZ = 16000


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


class NoiseMixer:
    """Adds noise at ``snr_db`` to int16 blocks with :func:`training.augment.mix_at_snr`.

    Parameters
    ----------
    snr_db : float
        Wanted SNR, in dB (active speech power over noise power).
    rng : numpy.random.Generator
        Chooses where in the noise a segment starts when the noise is not cut already.
    """

    def __init__(self, *, snr_db: float, rng: np.random.Generator) -> None:
        self.snr_db = float(snr_db)
        self.rng = rng
        self.gain: float | None = None  # noise gain of the last block that had speech

    def mix(self, block: np.ndarray, noise: np.ndarray) -> np.ndarray:
        """``block`` (int16, shape (n,)) plus noise (int16; a segment of n samples is used).

        Returns
        -------
        ndarray of int16, shape (n,)
        """
        from training.augment import mix_at_snr

        speech = np.asarray(block, dtype=np.float32) / np.float32(FULL_SCALE)
        segment = noise_segment(noise, len(speech), rng=self.rng).astype(np.float32) / np.float32(FULL_SCALE)
        try:
            mixed = mix_at_snr(speech, segment, snr_db=self.snr_db, rng=self.rng)
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
                     rng: np.random.Generator) -> np.ndarray:
    """One clip: int16 speech plus int16 noise at ``snr_db`` (see :class:`NoiseMixer`)."""
    return NoiseMixer(snr_db=snr_db, rng=rng).mix(speech, noise)


def load_rir(samples: np.ndarray) -> np.ndarray:
    """An impulse response (int16 or float) prepared by :func:`training.augment.prepare_rir`, full length."""
    from training.augment import prepare_rir

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
