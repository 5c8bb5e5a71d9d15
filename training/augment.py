"""Audio augmentation for training: noise at a chosen SNR, reverberation, speaker and
microphone variation.

Every function is pure: randomness comes only from an explicit
``numpy.random.Generator`` argument, so the same seed gives the same output.
Audio is float32 mono at 16 kHz in [-1, 1]; functions return float32 and do not
clip (the :class:`Augmenter` clips once, at the end).

Speed: the whole :class:`Augmenter` chain costs a few milliseconds for a 1.5 s
clip (STFTs of 512 points via numpy, soxr resampling, ``scipy.signal.fftconvolve``),
see ``tests/test_augment.py::test_augmenter_is_fast``.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from wakeword.dsp import (  # noqa: F401  (the signal code shared with evaluation, used and re-exported here)
    AUDIO_SUFFIXES, GATE_FLOOR_DBFS, GATE_FRAME_MS, GATE_RANGE_DB, MAX_RIR_SECONDS, SAMPLE_RATE_HZ, active_mask,
    mix_at_snr, prepare_rir, reverberate)
from wakeword.dsp import as_audio as _as_audio
from wakeword.dsp import loop_to_length as _loop_to_length
from wakeword.errors import AudioError, ConfigError

#: spectral exponent b of each noise colour: power spectral density ~ f ** -b
NOISE_EXPONENTS = {"white": 0.0, "pink": 1.0, "brown": 2.0, "blue": -1.0, "violet": -2.0}
STFT_SIZE = 512
STFT_HOP = 128
#: edge of the piecewise-linear VTLP warp (Jaitly & Hinton 2013), Hz
VTLP_BOUNDARY_HZ = 4800.0


def _check_range(name: str, value: tuple[float, float], *, low: float | None = None, high: float | None = None) -> None:
    if len(value) != 2 or value[0] > value[1]:
        raise ConfigError(f"{name} must be (low, high) with low <= high, got {value}")
    if (low is not None and value[0] < low) or (high is not None and value[1] > high):
        raise ConfigError(f"{name} {value} is outside {low}..{high}")


def level_step(length: int, *, position: int, low_db: float, ramp_samples: int, onset: bool) -> np.ndarray:
    """A gain envelope that steps between ``low_db`` and 0 dB at ``position``: a sound that starts
    (``onset``: low before, full after) or stops (full before, low after) partway through.

    The step is a linear ramp of ``ramp_samples`` starting at ``position``. Used on the noise part of
    a mix: a tap turned on, a fan turned off, the next recording's level.

    Parameters
    ----------
    length : int
        Samples of the envelope.
    position : int
        Sample where the ramp starts (0..length).
    low_db : float
        Level of the quiet side, dB re the full side (<= 0).
    ramp_samples : int
        Length of the ramp (>= 1).
    onset : bool
        Quiet first (True) or quiet last (False).

    Returns
    -------
    ndarray of float32, shape (length,), values in [10 ** (low_db / 20), 1]
    """
    if length < 0 or not 0 <= position <= length or ramp_samples < 1 or low_db > 0:
        raise ConfigError(f"level_step needs 0 <= position <= length, ramp_samples >= 1 and low_db <= 0, "
                          f"got length {length}, position {position}, ramp {ramp_samples}, low_db {low_db}")
    low = np.float32(10.0 ** (low_db / 20.0))
    t = (np.arange(length, dtype=np.float32) - position) / np.float32(ramp_samples)
    rise = np.clip(t, 0.0, 1.0)  # 0 before the ramp, 1 after it
    if not onset:
        rise = 1.0 - rise
    return (low + (1.0 - low) * rise).astype(np.float32)


def apply_gain(audio: np.ndarray, *, gain_db: float) -> np.ndarray:
    """``audio`` times ``10 ** (gain_db / 20)`` (not clipped); shape (n,) float32."""
    audio = _as_audio(audio, allow_empty=True)
    return (audio * np.float32(10.0 ** (gain_db / 20.0))).astype(np.float32)


def colored_noise(kind: str, *, num_samples: int, rng: np.random.Generator, level_db: float = -20.0) -> np.ndarray:
    """Gaussian noise with a power spectral density proportional to ``f ** -b``.

    Parameters
    ----------
    kind : {"white", "pink", "brown", "blue", "violet"}
        b = 0, 1 (-3 dB/octave), 2 (-6 dB/octave), -1 (+3 dB/octave), -2 (+6 dB/octave).
    num_samples : int
    rng : numpy.random.Generator
    level_db : float
        RMS level in dB re 1.0 (-20 gives an RMS of 0.1).

    Returns
    -------
    ndarray of float32, shape (num_samples,)
    """
    from scipy import fft

    if kind not in NOISE_EXPONENTS:
        raise ConfigError(f"unknown noise colour {kind!r}; choose one of {', '.join(NOISE_EXPONENTS)}")
    if num_samples < 1:
        raise ConfigError(f"num_samples must be >= 1, got {num_samples}")
    n = fft.next_fast_len(num_samples, real=True)
    white = rng.standard_normal(n)
    exponent = NOISE_EXPONENTS[kind]
    if exponent == 0.0:
        shaped = white[:num_samples]
    else:
        spectrum = fft.rfft(white)
        freqs = np.arange(len(spectrum), dtype=np.float64)
        freqs[0] = 1.0  # DC: removed below
        spectrum *= freqs ** (-exponent / 2.0)
        spectrum[0] = 0.0
        shaped = fft.irfft(spectrum, n=n)[:num_samples]
    rms = float(np.sqrt(np.mean(shaped ** 2))) or 1.0
    return (shaped * (10.0 ** (level_db / 20.0) / rms)).astype(np.float32)


def clatter_noise(*, num_samples: int, rng: np.random.Generator, rate_hz: tuple[float, float] = (1.0, 8.0),
                  level_db: float = -20.0) -> np.ndarray:
    """Impulsive noise: dishes, cutlery, a door, a keyboard. Knocks at random times (Poisson, a rate
    drawn from ``rate_hz``), each a short click plus one to four ringing modes (damped sines,
    500-7000 Hz, 3-80 ms decay), their amplitudes spread over 24 dB.

    Recorded noise folders rarely hold much of this, and it is what lifts a keyword model's scores
    in a kitchen: a clink has the onset and the bright spectrum of a consonant.

    Parameters
    ----------
    num_samples : int
    rng : numpy.random.Generator
    rate_hz : (low, high)
        Knocks per second, drawn uniformly once per call.
    level_db : float
        RMS level of the whole output in dB re 1.0 (every call holds at least one knock).

    Returns
    -------
    ndarray of float32, shape (num_samples,)
    """
    if num_samples < 1:
        raise ConfigError(f"num_samples must be >= 1, got {num_samples}")
    low, high = rate_hz
    if not 0 < low <= high:
        raise ConfigError(f"rate_hz must be 0 < low <= high, got {rate_hz}")
    out = np.zeros(num_samples, np.float64)
    rate = float(rng.uniform(low, high))
    knocks = max(1, int(rng.poisson(rate * num_samples / SAMPLE_RATE_HZ)))
    for _ in range(knocks):
        start = int(rng.integers(0, num_samples))
        amp = 10.0 ** (rng.uniform(-24.0, 0.0) / 20.0)
        event = _knock(rng)
        n = min(len(event), num_samples - start)
        out[start:start + n] += amp * event[:n]
    rms = float(np.sqrt(np.mean(out ** 2)))  # > 0: at least one knock, its click never silent
    return (out * (10.0 ** (level_db / 20.0) / rms)).astype(np.float32)


def _knock(rng: np.random.Generator) -> np.ndarray:
    """One knock, 0.4 s: a 1-4 ms click plus one to four ringing modes (damped sines, 500-7000 Hz,
    3-80 ms decay)."""
    ring = int(0.4 * SAMPLE_RATE_HZ)
    t = np.arange(ring) / SAMPLE_RATE_HZ
    click_len = int(rng.uniform(0.001, 0.004) * SAMPLE_RATE_HZ)
    event = np.zeros(ring)
    click = rng.standard_normal(click_len + 1)
    event[:click_len] = np.diff(click) * np.exp(-np.arange(click_len) / max(1.0, click_len / 3))
    for _ in range(int(rng.integers(1, 5))):
        freq = float(np.exp(rng.uniform(np.log(500.0), np.log(7000.0))))
        tau = float(rng.uniform(0.003, 0.08))
        event += rng.uniform(0.2, 1.0) * np.sin(2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi)) * np.exp(-t / tau)
    return event


def _random_response_db(size: int, rng: np.random.Generator, *, tilt_db: float, bands: tuple[int, int],
                        band_db: tuple[float, float], width_octaves: tuple[float, float]) -> np.ndarray:
    """A random smooth frequency response (dB) on the ``rfft`` bins of ``size`` samples: a tilt of
    up to ``tilt_db`` per octave either way (around 1 kHz) plus ``bands`` Gaussian bands (in
    octaves; ``band_db`` of gain, negative for notches), centred at 150-7000 Hz."""
    octaves = np.log2(np.maximum(np.fft.rfftfreq(size, 1.0 / SAMPLE_RATE_HZ), 50.0) / 1000.0)
    gain_db = rng.uniform(-tilt_db, tilt_db) * octaves
    for _ in range(int(rng.integers(bands[0], bands[1] + 1))):
        centre = np.log2(np.exp(rng.uniform(np.log(150.0), np.log(7000.0))) / 1000.0)
        width = rng.uniform(*width_octaves)
        gain_db += rng.uniform(*band_db) * np.exp(-0.5 * ((octaves - centre) / width) ** 2)
    return gain_db


def random_equalizer(audio: np.ndarray, *, rng: np.random.Generator, tilt_db: float = 6.0,
                     bands: tuple[int, int] = (0, 3), band_db: tuple[float, float] = (-12.0, 12.0)) -> np.ndarray:
    """``audio`` through a random smooth equalizer (:func:`_random_response_db`: a tilt of up to
    ``tilt_db`` per octave, ``bands`` peaks or notches of ``band_db``, 0.2-1 octave wide), at its
    own RMS: one noise recording becomes many (a tap is not the training folder's water).

    Returns
    -------
    ndarray of float32, shape like ``audio``
    """
    from scipy import fft

    x = np.asarray(audio, dtype=np.float64)
    if len(x) < 2:
        return x.astype(np.float32)
    size = fft.next_fast_len(len(x), real=True)
    gain_db = _random_response_db(size, rng, tilt_db=tilt_db, bands=bands, band_db=band_db,
                                  width_octaves=(0.2, 1.0))
    y = fft.irfft(fft.rfft(x, n=size) * 10.0 ** ((gain_db - gain_db.max()) / 20.0), n=size)[:len(x)]
    rms_in, rms_out = float(np.sqrt(np.mean(x ** 2))), float(np.sqrt(np.mean(y ** 2)))
    return (y * (rms_in / rms_out if rms_out > 0 else 0.0)).astype(np.float32)


def _shaped_burst(rng: np.random.Generator, *, duration_s: float) -> np.ndarray:
    """A burst of noise ``duration_s`` long with a random spectrum (a tilt of -9..+9 dB per octave
    and one to three resonances of 6-24 dB, 150-7000 Hz) and envelope (1-20 ms attack, then a
    decay or a plateau): a scrape, a thud, a chop, a hiss."""
    from scipy import fft

    n = max(16, int(duration_s * SAMPLE_RATE_HZ))
    size = fft.next_fast_len(n, real=True)
    spectrum = fft.rfft(rng.standard_normal(size))
    gain_db = _random_response_db(size, rng, tilt_db=9.0, bands=(1, 3), band_db=(6.0, 24.0), width_octaves=(0.1, 0.8))
    burst = fft.irfft(spectrum * 10.0 ** ((gain_db - gain_db.max()) / 20.0), n=size)[:n]
    t = np.arange(n) / SAMPLE_RATE_HZ
    attack = rng.uniform(0.001, 0.02)
    envelope = np.minimum(1.0, t / attack)
    if rng.random() < 0.5:
        envelope *= np.exp(-np.maximum(0.0, t - attack) / max(1e-3, rng.uniform(0.2, 0.6) * duration_s))
    else:
        envelope *= np.minimum(1.0, (duration_s - t) / max(1e-3, 0.2 * duration_s))  # a plateau, then off
    burst *= envelope
    return burst / (float(np.sqrt(np.mean(burst ** 2))) or 1.0)


def burst_train(*, num_samples: int, rng: np.random.Generator, events: tuple[int, int] = (2, 6),
                interval_ms: tuple[float, float] = (90.0, 700.0), level_db: float = -20.0) -> np.ndarray:
    """Sounds in a row with the rhythm of syllables but none of speech's spectrum: chopping,
    footsteps, dishes stacked, a drawer. Two to six events (``events``), each onset
    ``interval_ms`` after the last: a knock (a third of them, as in :func:`clatter_noise`) or a
    burst of spectrally shaped noise 20-250 ms long, their levels spread over 15 dB.

    A keyword model that learned a keyword's rhythm of syllable onsets rather than its sounds
    fires on such trains: in a kitchen recording, three chops 0.7 s apart lifted a "computer"
    model's score as high as the keyword's.

    Parameters
    ----------
    num_samples : int
        Length of the output; events that would start past it are dropped (at least one is kept).
    rng : numpy.random.Generator
    events : (low, high)
        Number of events, drawn uniformly (both included).
    interval_ms : (low, high)
        Onset-to-onset interval, drawn uniformly for each event.
    level_db : float
        RMS level of the whole output in dB re 1.0.

    Returns
    -------
    ndarray of float32, shape (num_samples,)
    """
    if num_samples < 1:
        raise ConfigError(f"num_samples must be >= 1, got {num_samples}")
    if not 1 <= events[0] <= events[1]:
        raise ConfigError(f"events must be 1 <= low <= high, got {events}")
    if not 0 < interval_ms[0] <= interval_ms[1]:
        raise ConfigError(f"interval_ms must be 0 < low <= high, got {interval_ms}")
    out = np.zeros(num_samples, np.float64)
    start = int(rng.uniform(0.0, 0.2) * SAMPLE_RATE_HZ) if num_samples > SAMPLE_RATE_HZ else 0
    for k in range(int(rng.integers(events[0], events[1] + 1))):
        if k and start >= num_samples:
            break
        start = min(start, num_samples - 1)
        if rng.random() < 1 / 3:
            event = _knock(rng)
            event /= float(np.sqrt(np.mean(event[:int(0.05 * SAMPLE_RATE_HZ)] ** 2))) or 1.0
        else:
            event = _shaped_burst(rng, duration_s=float(rng.uniform(0.02, 0.25)))
        n = min(len(event), num_samples - start)
        out[start:start + n] += 10.0 ** (rng.uniform(-15.0, 0.0) / 20.0) * event[:n]
        start += int(rng.uniform(*interval_ms) * SAMPLE_RATE_HZ / 1000)
    rms = float(np.sqrt(np.mean(out ** 2))) or 1.0
    return (out * (10.0 ** (level_db / 20.0) / rms)).astype(np.float32)


# --- rooms --------------------------------------------------------------------------------------------

def simulate_rir(*, rng: np.random.Generator, rt60_s: float, drr_db: float = 6.0, predelay_ms: float = 5.0,
                 sample_rate_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """A synthetic room impulse response: direct path plus exponentially decaying noise.

    The diffuse tail starts ``predelay_ms`` after the direct impulse and decays by
    60 dB in ``rt60_s``; its high band (above about 2 kHz) decays twice as fast as
    its low band, as air and wall absorption do. The direct-to-reverberant energy
    ratio is ``drr_db``.

    Parameters
    ----------
    rng : numpy.random.Generator
    rt60_s : float
        Reverberation time, 0.05-3 s.
    drr_db : float
        Direct-to-reverberant ratio in dB (higher: drier, closer talker).
    predelay_ms : float
        Gap between the direct path and the first reflections, 0-100 ms.
    sample_rate_hz : int

    Returns
    -------
    ndarray of float32, shape (round(rt60_s * sample_rate_hz) + predelay,)
        Starts with the direct path; unit energy.
    """
    from scipy.signal import lfilter

    if not 0.05 <= rt60_s <= 3.0:
        raise ConfigError(f"rt60_s must be within 0.05..3 s, got {rt60_s}")
    if not 0.0 <= predelay_ms <= 100.0:
        raise ConfigError(f"predelay_ms must be within 0..100 ms, got {predelay_ms}")
    n_tail = int(round(rt60_s * sample_rate_hz))
    delay = int(round(predelay_ms * sample_rate_hz / 1000.0))
    t = np.arange(n_tail) / sample_rate_hz
    noise = rng.standard_normal(n_tail)
    low = lfilter([0.25], [1.0, -0.75], noise)  # one-pole low-pass, corner about 1.5 kHz at 16 kHz
    high = noise - low
    decay = 3.0 * np.log(10.0) / rt60_s  # amplitude falls 60 dB (factor 1000) in rt60_s
    tail = low * np.exp(-decay * t) + high * np.exp(-2.0 * decay * t)
    tail *= np.sqrt(10.0 ** (-drr_db / 10.0) / max(float(np.sum(tail ** 2)), 1e-20))
    rir = np.zeros(1 + delay + n_tail)
    rir[0] = 1.0
    rir[1 + delay:] = tail
    return (rir / np.sqrt(np.sum(rir ** 2))).astype(np.float32)


# --- time and frequency --------------------------------------------------------------------------------

def time_shift(audio: np.ndarray, *, shift_samples: int) -> np.ndarray:
    """Delay (positive) or advance (negative) ``audio`` by ``shift_samples``, zero-filled; same length."""
    audio = _as_audio(audio, allow_empty=True)
    out = np.zeros_like(audio)
    n = len(audio)
    s = int(shift_samples)
    if abs(s) >= n:
        return out
    if s >= 0:
        out[s:] = audio[:n - s]
    else:
        out[:n + s] = audio[-s:]
    return out


def speed_perturb(audio: np.ndarray, *, factor: float) -> np.ndarray:
    """Play ``audio`` ``factor`` times faster (tempo and pitch together, like tape speed).

    Parameters
    ----------
    audio : ndarray of float32, shape (n,)
    factor : float
        0.5-2; 1.1 is 10 % faster.

    Returns
    -------
    ndarray of float32, shape (round(n / factor),)
    """
    import soxr

    audio = _as_audio(audio)
    if not 0.5 <= factor <= 2.0:
        raise ConfigError(f"speed factor must be within 0.5..2, got {factor}")
    if factor == 1.0:
        return audio.copy()
    return soxr.resample(audio, SAMPLE_RATE_HZ * factor, SAMPLE_RATE_HZ, quality="MQ").astype(np.float32)


@functools.lru_cache(maxsize=8)
def _window(n_fft: int) -> np.ndarray:
    return (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)).astype(np.float32)


def _stft(audio: np.ndarray, *, n_fft: int = STFT_SIZE, hop: int = STFT_HOP) -> np.ndarray:
    """Complex STFT, shape (frames, n_fft // 2 + 1); centred frames (n_fft // 2 zero padding)."""
    pad = n_fft // 2
    n_frames = 1 + -(-len(audio) // hop)
    padded = np.zeros((n_frames - 1) * hop + n_fft, np.float32)
    padded[pad:pad + len(audio)] = audio
    from scipy import fft

    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop]
    return fft.rfft(frames * _window(n_fft), axis=1)


def _istft(spec: np.ndarray, *, length: int, n_fft: int = STFT_SIZE, hop: int = STFT_HOP) -> np.ndarray:
    """Inverse of :func:`_stft` by weighted overlap-add; float32, shape (length,)."""
    from scipy import fft

    window = _window(n_fft)
    frames = fft.irfft(spec, n=n_fft, axis=1).astype(np.float32, copy=False) * window
    n_frames = len(frames)
    k = n_fft // hop
    out = np.zeros((n_frames + k - 1) * hop, np.float32)
    norm = np.zeros_like(out)
    w2 = np.tile(window ** 2, (n_frames, 1))
    for j in range(k):
        out[j * hop: j * hop + n_frames * hop] += frames[:, j * hop:(j + 1) * hop].reshape(-1)
        norm[j * hop: j * hop + n_frames * hop] += w2[:, j * hop:(j + 1) * hop].reshape(-1)
    pad = n_fft // 2
    out = out[pad:pad + length] / np.maximum(norm[pad:pad + length], 1e-3)
    if len(out) < length:
        out = np.concatenate([out, np.zeros(length - len(out), np.float32)])
    return out


def _time_stretch(audio: np.ndarray, *, stretch: float) -> np.ndarray:
    """Phase-vocoder time stretch: ``stretch`` times longer, same pitch; float32."""
    spec = _stft(audio)
    n_bins = spec.shape[1]
    steps = np.arange(0.0, len(spec) - 1, 1.0 / stretch)
    if len(steps) == 0:
        return audio.copy()
    i0 = steps.astype(np.int64)
    frac = (steps - i0)[:, None]
    mag = np.abs(spec)
    out_mag = (1.0 - frac) * mag[i0] + frac * mag[i0 + 1]
    phase = np.angle(spec)
    expected = 2.0 * np.pi * STFT_HOP * np.arange(n_bins) / STFT_SIZE
    delta = phase[i0 + 1] - phase[i0] - expected
    delta -= 2.0 * np.pi * np.round(delta / (2.0 * np.pi))
    advance = delta + expected
    out_phase = np.empty_like(advance)
    out_phase[0] = phase[0]
    np.cumsum(advance[:-1], axis=0, out=out_phase[1:])
    out_phase[1:] += phase[0]
    out_phase -= (2.0 * np.pi) * np.round(out_phase / (2.0 * np.pi))  # small arguments: fast cos/sin
    out_phase = out_phase.astype(np.float32)
    length = int(round(len(audio) * stretch))
    return _istft(_polar(out_mag, out_phase), length=length)


def _polar(magnitude: np.ndarray, phase: np.ndarray) -> np.ndarray:
    """``magnitude * exp(1j * phase)`` as complex64, without the slow complex exponential."""
    out = np.empty(phase.shape, np.complex64)
    out.real = magnitude * np.cos(phase)
    out.imag = magnitude * np.sin(phase)
    return out


def _fit_length(audio: np.ndarray, length: int) -> np.ndarray:
    """Crop or zero-pad at the end to ``length`` samples."""
    if len(audio) >= length:
        return audio[:length]
    return np.concatenate([audio, np.zeros(length - len(audio), np.float32)])


def pitch_shift(audio: np.ndarray, *, semitones: float) -> np.ndarray:
    """Shift pitch and formants by ``semitones`` keeping the duration.

    A phase-vocoder time stretch by ``r = 2 ** (semitones / 12)`` followed by
    resampling by ``1 / r``.

    Parameters
    ----------
    audio : ndarray of float32, shape (n,)
    semitones : float
        -12..12.

    Returns
    -------
    ndarray of float32, shape (n,)
    """
    import soxr

    audio = _as_audio(audio)
    if not -12.0 <= semitones <= 12.0:
        raise ConfigError(f"pitch shift must be within -12..12 semitones, got {semitones}")
    if semitones == 0.0:
        return audio.copy()
    ratio = 2.0 ** (semitones / 12.0)
    stretched = _time_stretch(audio, stretch=ratio)
    shifted = soxr.resample(stretched, SAMPLE_RATE_HZ * ratio, SAMPLE_RATE_HZ, quality="MQ")
    return _fit_length(shifted.astype(np.float32), len(audio))


def vtlp_warp(freqs_hz: np.ndarray, *, alpha: float, boundary_hz: float = VTLP_BOUNDARY_HZ,
              sample_rate_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """The piecewise-linear VTLP frequency warp (Jaitly & Hinton 2013).

    ``f -> alpha * f`` up to ``boundary_hz * min(alpha, 1) / alpha``, then a straight
    line to the Nyquist frequency, which maps to itself.

    Parameters
    ----------
    freqs_hz : ndarray, any shape
    alpha : float

    Returns
    -------
    ndarray of float64, shape of ``freqs_hz``
    """
    nyquist = sample_rate_hz / 2.0
    knee = boundary_hz * min(alpha, 1.0) / alpha
    f = np.asarray(freqs_hz, dtype=np.float64)
    upper = nyquist - (nyquist - boundary_hz * min(alpha, 1.0)) / (nyquist - knee) * (nyquist - f)
    return np.where(f <= knee, alpha * f, upper)


def vocal_tract_length_perturb(audio: np.ndarray, *, alpha: float) -> np.ndarray:
    """Warp the spectrum along frequency to imitate a shorter or longer vocal tract.

    Each STFT magnitude frame is resampled so that energy at ``f`` moves to
    ``vtlp_warp(f, alpha)``; the phase of the original bins is kept. ``alpha > 1``
    raises formants (a smaller speaker), ``alpha < 1`` lowers them; pitch and
    duration are unchanged. The output has the input's RMS level. Used as
    "pseudo-speakers": each alpha acts like a new talker.

    Parameters
    ----------
    audio : ndarray of float32, shape (n,)
    alpha : float
        0.7-1.3; typical augmentation uses 0.9-1.1.

    Returns
    -------
    ndarray of float32, shape (n,)
    """
    audio = _as_audio(audio)
    if not 0.7 <= alpha <= 1.3:
        raise ConfigError(f"vtlp alpha must be within 0.7..1.3, got {alpha}")
    if alpha == 1.0:
        return audio.copy()
    source_bin = _vtlp_source_bins(alpha)
    spec = _stft(audio)
    mag = np.abs(spec)
    i0 = np.floor(source_bin).astype(np.int64)
    frac = source_bin - i0
    i1 = np.minimum(i0 + 1, mag.shape[1] - 1)
    warped = (1.0 - frac) * mag[:, i0] + frac * mag[:, i1]
    phasor = spec / np.maximum(mag, 1e-12)
    out = _istft(warped * phasor, length=len(audio))
    rms_in = float(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))
    rms_out = float(np.sqrt(np.mean(out.astype(np.float64) ** 2)))
    if rms_out > 1e-12:
        out *= np.float32(rms_in / rms_out)
    return out.astype(np.float32)


@functools.lru_cache(maxsize=256)
def _vtlp_source_bins(alpha: float) -> np.ndarray:
    """For each output bin, the (fractional) input bin whose energy lands there."""
    n_bins = STFT_SIZE // 2 + 1
    bin_hz = SAMPLE_RATE_HZ / STFT_SIZE
    grid = np.linspace(0.0, SAMPLE_RATE_HZ / 2.0, 4 * n_bins)
    out_hz = np.arange(n_bins) * bin_hz
    return np.clip(np.interp(out_hz, vtlp_warp(grid, alpha=alpha), grid) / bin_hz, 0, n_bins - 1)


@functools.lru_cache(maxsize=64)
def _band_sos(low_hz: float, high_hz: float, order: int) -> np.ndarray:
    from scipy.signal import butter

    nyquist = SAMPLE_RATE_HZ / 2.0
    if low_hz <= 0.0:
        return butter(order, high_hz, btype="lowpass", fs=SAMPLE_RATE_HZ, output="sos")
    if high_hz >= 0.99 * nyquist:
        return butter(order, low_hz, btype="highpass", fs=SAMPLE_RATE_HZ, output="sos")
    return butter(order, [low_hz, high_hz], btype="bandpass", fs=SAMPLE_RATE_HZ, output="sos")


def band_limit(audio: np.ndarray, *, low_hz: float, high_hz: float, order: int = 4) -> np.ndarray:
    """A cheap microphone or phone-line response: Butterworth band-pass ``low_hz``-``high_hz``.

    Parameters
    ----------
    audio : ndarray of float32, shape (n,)
    low_hz : float
        High-pass corner; 0 disables it.
    high_hz : float
        Low-pass corner; at or above 7920 Hz (0.99 x Nyquist) disables it.
    order : int
        Filter order of each edge (causal IIR, minimum phase as in real devices).

    Returns
    -------
    ndarray of float32, shape (n,)
    """
    from scipy.signal import sosfilt

    audio = _as_audio(audio)
    if not 0.0 <= low_hz < high_hz:
        raise ConfigError(f"band_limit needs 0 <= low_hz < high_hz, got {low_hz} and {high_hz}")
    if low_hz <= 0.0 and high_hz >= 0.99 * SAMPLE_RATE_HZ / 2.0:
        return audio.copy()
    sos = _band_sos(float(round(low_hz, 1)), float(round(min(high_hz, SAMPLE_RATE_HZ / 2.0), 1)), int(order))
    return sosfilt(sos, audio).astype(np.float32)


# --- files ---------------------------------------------------------------------------------------------

def load_audio_folder(path: str | os.PathLike, *, suffixes: Sequence[str] = AUDIO_SUFFIXES) -> list[np.ndarray]:
    """Every .wav/.flac file under ``path`` (recursively, sorted by path) as 16 kHz float32.

    Files are read with :func:`wakeword.audio.load_audio` (soundfile, mixed to mono,
    resampled with soxr).

    Returns
    -------
    list of ndarray of float32, each shape (n,), in [-1, 1]

    Raises
    ------
    ConfigError
        ``path`` is not a folder.
    AudioError
        No audio file under ``path``, or one of them is unreadable (the message names it).
    """
    from wakeword.audio import load_audio

    folder = Path(path)
    if not folder.is_dir():
        raise ConfigError(f"audio folder {folder} does not exist")
    wanted = {s.lower() for s in suffixes}
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in wanted)
    if not files:
        raise AudioError(f"no {'/'.join(sorted(wanted))} files under {folder}")
    return [load_audio(f).astype(np.float32) / np.float32(32768.0) for f in files]


# --- the composed augmenter --------------------------------------------------------------------------

@dataclass(frozen=True)
class AugmentConfig:
    """Probabilities and ranges of the :class:`Augmenter` chain.

    Every ``*_range`` is (low, high), sampled uniformly; every ``*_probability`` is the
    chance that a step runs on a clip. The chain runs in this order (a talker in a room,
    recorded by a device): speed, pitch, VTLP, time shift, reverberation, noise (which may start or
    stop partway), microphone band limit, gain, clipping to [-1, 1].
    """

    #: share of clips played faster or slower (pitch moves with it)
    speed_probability: float = 0.3
    #: speed factor
    speed_range: tuple[float, float] = (0.9, 1.1)
    #: share of clips shifted in pitch (length kept)
    pitch_probability: float = 0.2
    #: pitch shift in semitones
    pitch_semitones_range: tuple[float, float] = (-2.0, 2.0)
    #: share of clips with vocal-tract-length perturbation (another speaker's formants)
    vtlp_probability: float = 0.3
    #: VTLP warp factor
    vtlp_alpha_range: tuple[float, float] = (0.9, 1.1)
    #: share of clips shifted in time within their window
    time_shift_probability: float = 0.0
    #: shift in ms
    time_shift_ms_range: tuple[float, float] = (-100.0, 100.0)
    #: share of clips played in a room (a measured impulse response, or a simulated one)
    reverb_probability: float = 0.4
    #: share of reverberated clips that use a simulated room (always, when no RIR is given)
    simulated_rir_probability: float = 0.5
    #: reverberation time of a simulated room (s)
    rt60_s_range: tuple[float, float] = (0.15, 0.8)
    #: measured impulse responses are cut this long (a hall's tail lasts 2 s and more)
    rir_max_seconds: float = MAX_RIR_SECONDS
    #: direct-to-reverberant ratio of a simulated room (dB)
    drr_db_range: tuple[float, float] = (0.0, 15.0)
    #: share of clips mixed with noise
    noise_probability: float = 0.8
    #: SNR of that noise (dB, active speech power over noise power)
    snr_db_range: tuple[float, float] = (0.0, 20.0)
    #: share of noisy clips that get synthetic coloured noise (always, when no noise is given)
    colored_noise_probability: float = 0.2
    #: share of noisy clips whose noise starts or stops partway through (:func:`level_step`): its
    #: level steps from ``noise_step_db_range`` (re the rest) over a ramp of ``noise_step_ramp_ms_range``
    noise_step_probability: float = 0.0
    #: see noise_step_probability
    noise_step_db_range: tuple[float, float] = (-40.0, -10.0)
    #: see noise_step_probability
    noise_step_ramp_ms_range: tuple[float, float] = (5.0, 200.0)
    #: share of clips noisy with a recording whose recording first passes a random equalizer
    #: (:func:`random_equalizer`): the few minutes of noise recordings become many noises. Off: at 0.5,
    #: computer's dev-half FRR at 0.5 FA/h in noise went 32.5 -> 24.3% on one seed and 21.8 -> 35.4% on
    #: the other; jarvis's stayed at 15.6% and its clean FRR went 2.2 -> 24.7% (docs/experiments.md)
    noise_eq_probability: float = 0.0
    #: share of noisy clips that also get knocks and clinks (:func:`clatter_noise`) on top of the
    #: background noise, at an SNR from ``clatter_snr_db_range`` (the knocks' power over the whole clip).
    #: The recipe uses 0.3 (training.config.RECIPE_AUGMENT; 0 is this class's own default): it helped
    #: alexa in noise; in single runs it made computer and jarvis (keywords that open on a burst) worse
    clatter_probability: float = 0.0
    #: see clatter_probability
    clatter_snr_db_range: tuple[float, float] = (5.0, 25.0)
    #: knocks per second
    clatter_rate_hz_range: tuple[float, float] = (1.0, 8.0)
    #: share of clips band-limited like a small microphone
    band_limit_probability: float = 0.2
    #: low cut-off (Hz)
    band_low_hz_range: tuple[float, float] = (50.0, 400.0)
    #: high cut-off (Hz)
    band_high_hz_range: tuple[float, float] = (3000.0, 7500.0)
    #: gain applied to every clip (dB; clipped to full scale after)
    gain_db_range: tuple[float, float] = (-12.0, 3.0)
    #: crop/pad at the start so the output keeps the input length (the end stays aligned)
    keep_length: bool = True

    def __post_init__(self) -> None:
        for name in ("speed_probability", "pitch_probability", "vtlp_probability", "time_shift_probability",
                     "reverb_probability", "simulated_rir_probability", "noise_probability",
                     "colored_noise_probability", "noise_step_probability", "band_limit_probability",
                     "clatter_probability", "noise_eq_probability"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"augment.{name} must be within 0..1, got {value}")
        _check_range("augment.speed_range", self.speed_range, low=0.5, high=2.0)
        _check_range("augment.pitch_semitones_range", self.pitch_semitones_range, low=-12.0, high=12.0)
        _check_range("augment.vtlp_alpha_range", self.vtlp_alpha_range, low=0.7, high=1.3)
        _check_range("augment.time_shift_ms_range", self.time_shift_ms_range, low=-5000.0, high=5000.0)
        _check_range("augment.rt60_s_range", self.rt60_s_range, low=0.05, high=3.0)
        if not 0.05 <= self.rir_max_seconds <= 10.0:
            raise ConfigError(f"augment.rir_max_seconds must be within 0.05..10 s, got {self.rir_max_seconds}")
        _check_range("augment.drr_db_range", self.drr_db_range, low=-30.0, high=60.0)
        _check_range("augment.snr_db_range", self.snr_db_range, low=-30.0, high=100.0)
        _check_range("augment.noise_step_db_range", self.noise_step_db_range, low=-80.0, high=0.0)
        _check_range("augment.noise_step_ramp_ms_range", self.noise_step_ramp_ms_range, low=1.0, high=2000.0)
        _check_range("augment.clatter_snr_db_range", self.clatter_snr_db_range, low=-30.0, high=100.0)
        _check_range("augment.clatter_rate_hz_range", self.clatter_rate_hz_range, low=0.1, high=50.0)
        _check_range("augment.band_low_hz_range", self.band_low_hz_range, low=0.0, high=2000.0)
        _check_range("augment.band_high_hz_range", self.band_high_hz_range, low=2000.0, high=8000.0)
        _check_range("augment.gain_db_range", self.gain_db_range, low=-60.0, high=30.0)


class Augmenter:
    """The composed augmentation chain of :class:`AugmentConfig`.

    Parameters
    ----------
    config : AugmentConfig
    noises : sequence of ndarray of float32
        Background noise recordings (any length, 16 kHz); empty: coloured noise only.
    rirs : sequence of ndarray of float32
        Measured room impulse responses (16 kHz); empty: simulated rooms only.
    seed : int
        Seeds the generator used when ``__call__`` gets no ``rng``.

    Examples
    --------
    >>> aug = Augmenter(AugmentConfig(), noises=load_audio_folder("noise"), rirs=[], seed=0)
    >>> noisy = aug(clip, rng=np.random.default_rng(7))
    """

    def __init__(self, config: AugmentConfig, *, noises: Sequence[np.ndarray] = (),
                 rirs: Sequence[np.ndarray] = (), seed: int = 0) -> None:
        if not isinstance(config, AugmentConfig):
            raise ConfigError(f"Augmenter needs an AugmentConfig, got {type(config).__name__}")
        self.config = config
        self.noises = [_as_audio(n, name=f"noise #{i}") for i, n in enumerate(noises)]
        self.noises = [n for n in self.noises if float(np.max(np.abs(n))) > 0.0]
        self.rirs = [prepare_rir(r, max_seconds=config.rir_max_seconds) for r in rirs]
        self._rng = np.random.default_rng(seed)

    def __call__(self, audio: np.ndarray, *, rng: np.random.Generator | None = None) -> np.ndarray:
        """Augment one clip.

        Parameters
        ----------
        audio : ndarray of float32, shape (n,), in [-1, 1]
        rng : numpy.random.Generator or None
            Source of every random choice (None: the augmenter's own seeded generator).
            The same ``rng`` state gives the same output.

        Returns
        -------
        ndarray of float32, shape (n,) (or about n / speed factor when
        ``keep_length`` is False), clipped to [-1, 1].
        """
        rng = self._rng if rng is None else rng
        c = self.config
        x = _as_audio(audio)
        length = len(x)
        # the talker
        if rng.random() < c.speed_probability:
            x = speed_perturb(x, factor=float(rng.uniform(*c.speed_range)))
        if rng.random() < c.pitch_probability:
            x = pitch_shift(x, semitones=float(rng.uniform(*c.pitch_semitones_range)))
        if rng.random() < c.vtlp_probability:
            x = vocal_tract_length_perturb(x, alpha=float(rng.uniform(*c.vtlp_alpha_range)))
        if rng.random() < c.time_shift_probability:
            x = time_shift(x, shift_samples=int(rng.uniform(*c.time_shift_ms_range) * SAMPLE_RATE_HZ / 1000))
        # the room
        if rng.random() < c.reverb_probability:
            if self.rirs and rng.random() >= c.simulated_rir_probability:
                rir = self.rirs[int(rng.integers(len(self.rirs)))]
            else:
                rir = simulate_rir(rng=rng, rt60_s=float(rng.uniform(*c.rt60_s_range)),
                                   drr_db=float(rng.uniform(*c.drr_db_range)),
                                   predelay_ms=float(rng.uniform(2.0, 15.0)))
            x = reverberate(x, rir=rir, max_seconds=c.rir_max_seconds)[:len(x)]
        if rng.random() < c.noise_probability:
            clean = x
            x = self._add_noise(x, rng)
            # (no draw when clatter is off: the random stream, and so the data, stay as they were)
            if c.clatter_probability > 0 and rng.random() < c.clatter_probability:
                x = self._add_clatter(x, clean, rng)
        # the device
        if rng.random() < c.band_limit_probability:
            x = band_limit(x, low_hz=float(rng.uniform(*c.band_low_hz_range)),
                           high_hz=float(rng.uniform(*c.band_high_hz_range)))
        x = apply_gain(x, gain_db=float(rng.uniform(*c.gain_db_range)))
        if c.keep_length and len(x) != length:
            x = x[len(x) - length:] if len(x) > length else np.concatenate([np.zeros(length - len(x), np.float32), x])
        return np.clip(x, -1.0, 1.0).astype(np.float32)

    def _add_noise(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        c = self.config
        snr_db = float(rng.uniform(*c.snr_db_range))
        if self.noises and rng.random() >= c.colored_noise_probability:
            noise = self.noises[int(rng.integers(len(self.noises)))]
            # (no draw when off: the random stream, and so the data, stay as they were)
            if c.noise_eq_probability > 0 and rng.random() < c.noise_eq_probability:
                noise = random_equalizer(_loop_to_length(noise, len(x), rng), rng=rng)
        else:
            kinds = tuple(NOISE_EXPONENTS)
            noise = colored_noise(kinds[int(rng.integers(len(kinds)))], num_samples=len(x), rng=rng)
        # (no draw at all when steps are off: the random stream, and so the data, stay as they were)
        step = c.noise_step_probability > 0 and rng.random() < c.noise_step_probability
        if not active_mask(x).any():
            # nothing to measure an SNR against: noise as if the clip held speech at -20 dBFS
            segment = _loop_to_length(noise, len(x), rng)
            rms = float(np.sqrt(np.mean(segment.astype(np.float64) ** 2))) or 1.0
            added = segment * np.float32(10.0 ** ((-20.0 - snr_db) / 20.0) / rms)
        elif not step:
            return mix_at_snr(x, noise, snr_db=snr_db, rng=rng)
        else:
            added = mix_at_snr(x, noise, snr_db=snr_db, rng=rng) - x
        if step:
            ramp = max(1, int(rng.uniform(*c.noise_step_ramp_ms_range) * SAMPLE_RATE_HZ / 1000))
            added = added * level_step(len(x), position=int(rng.integers(0, len(x) + 1)),
                                       low_db=float(rng.uniform(*c.noise_step_db_range)), ramp_samples=ramp,
                                       onset=bool(rng.random() < 0.5))
        return (x + added).astype(np.float32)

    def _add_clatter(self, x: np.ndarray, clean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """``x`` plus knocks at an SNR re the active part of ``clean`` (the clip before noise)."""
        c = self.config
        snr_db = float(rng.uniform(*c.clatter_snr_db_range))
        knocks = clatter_noise(num_samples=len(x), rng=rng, rate_hz=c.clatter_rate_hz_range, level_db=0.0)
        # the knocks' power over the whole clip (they are sparse: over the speech alone it could be ~0)
        mask = active_mask(clean)
        p_speech = float(np.mean(np.square(clean[mask], dtype=np.float64))) if mask.any() else 0.01
        scale = np.sqrt(p_speech / 10.0 ** (snr_db / 10.0))  # knocks come at unit RMS
        return (x + knocks * np.float32(scale)).astype(np.float32)
